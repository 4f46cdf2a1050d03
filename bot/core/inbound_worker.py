"""Handles the inbound events the ack path stored: leases them, answers each in the background, marks them done."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from typing import TYPE_CHECKING

from bot.core.tasks import TaskTracker
from bot.outbox.claimers import died_on_this_machine, worker_name

if TYPE_CHECKING:
    from bot.core.inbound_queue import StoredEvent
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

# How long a woken process lets further events gather before leasing them: on SQLite each lease takes the
# file's write lock, which the acks need too; one lease per few events instead of one per event, for an
# answer at most this much later.
GATHER_SECONDS = 0.05
# How long a process stopping gives the events it already leased (the rest of the 10 s SIGTERM budget
# goes to the HTTP server and the outbox).
DRAIN_SECONDS = 5.0


class InboundWorker:
    """Drains the inbound queue of one process: at most its pool's connections' worth at a time, oldest first."""

    def __init__(self, runtime: Runtime, name: str | None = None, concurrency: int | None = None) -> None:
        self._runtime = runtime
        self.name = name or worker_name()
        # As many events at a time as the process keeps connections (CLUELINE_DB_POOL_SIZE; on SQLite the whole
        # pool, see Settings.for_answering), since a handler holds at most one: more would open connections
        # beyond the pool only to close them again (on PostgreSQL a server process forked for each: 367 in a
        # 20 s bench against 18). Events beyond it wait in the queue, stored.
        self._concurrency = concurrency or runtime.settings.db_pool_size
        self._tasks = TaskTracker()
        self._in_flight: set[str] = set()
        self.wake = asyncio.Event()

    async def run_once(self) -> int:
        """Lease what this process has room for and start handling it; how many were started."""
        room = self._concurrency - len(self._in_flight)
        if room <= 0:
            return 0
        leased = await self._runtime.inbound.lease(self.name, room, died_on_this_machine)
        started = 0
        for stored in leased:
            if stored.key in self._in_flight:
                continue  # still ours from an earlier lease that lapsed while it ran
            self._in_flight.add(stored.key)
            task = self._tasks.spawn(self._handle(stored), name=f"{stored.platform}:{stored.event.kind}")
            task.add_done_callback(functools.partial(self._finished, stored.key))
            started += 1
        return started

    def _finished(self, key: str, _task: object) -> None:
        self._in_flight.discard(key)
        self.wake.set()  # room again: look for more

    async def _handle(self, stored: StoredEvent) -> None:
        adapter = self._runtime.adapters.get(stored.platform)
        if adapter is None:
            # Left for a process that has this platform configured (or this one once it has).
            log.warning(
                "no %s adapter here for a stored event; leaving it to another process", stored.platform
            )
            return
        # Taken before the first await, so places follow the order the events were leased in (oldest first).
        with self._runtime.reply_lanes.place(getattr(stored.event, "conversation", None)):
            await self._runtime.dispatcher.handle_claimed(stored.event, adapter)

    async def run(self, stop: asyncio.Event, poll_seconds: float) -> None:
        """Handle stored events until `stop` is set, then give those under way DRAIN_SECONDS to finish."""
        while not stop.is_set():
            self.wake.clear()
            try:
                await self.run_once()
            except Exception:
                log.exception("leasing inbound events failed; trying again shortly")
            # Woken by a new event stored here, room freed, or the poll for events other processes stored.
            stopping = asyncio.ensure_future(stop.wait())
            woken = asyncio.ensure_future(self.wake.wait())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait(
                    {stopping, woken}, timeout=poll_seconds, return_when=asyncio.FIRST_COMPLETED
                )
            stopping.cancel()
            woken.cancel()
            if not stop.is_set():
                await asyncio.sleep(GATHER_SECONDS)
        await self._tasks.drain(timeout=DRAIN_SECONDS)
