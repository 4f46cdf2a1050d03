"""Handles the inbound events the ack path stored: leases them, answers each in the background, marks them done."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections import Counter, deque
from typing import TYPE_CHECKING

from bot.core.errors import NotYetHandled
from bot.core.tasks import TaskTracker
from bot.outbox.claimers import TAKEOVER_CHECK_SECONDS, died_on_this_machine, worker_name

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
# Events of one conversation handled at a time: its replies leave one a second at most (the platforms' limit
# per channel), so more would only hold answering slots that other conversations' events need. The rest
# wait here in memory, in order, leased but holding no slot.
PER_CONVERSATION = 3
# Events held that way, at most, as many times the slots: a bound on memory (a few KiB each), high enough that a
# flood in one channel (3,000 by default) does not fill it and hold back the others again.
HELD_PER_SLOT = 100
# How long events leased beyond that bound are left to other processes (and to this one's next looks), so the
# queue's other conversations are reached meanwhile.
DEFER_SECONDS = 30.0
# How often the leases of the events held or under way here are renewed (a third of a lease): a burst in one
# channel waits longer than one lease, and must not be taken over by another process meanwhile.
RENEW_FRACTION = 3
# An event whose handling failed before any feature ran (NotYetHandled: the database failed over, or stayed
# locked) goes back to the queue for this long times its tries so far (30 s, then 60 s: about as long as a
# managed PostgreSQL takes to fail over), and is given up after TRIES tries: acknowledged long ago, the platform
# will not deliver it again. The tries are counted in the event's row, the same for every process.
RETRY_SECONDS = 30.0
TRIES = 3
# A commit that stored the events of this many requests at once means serve is acknowledging a flood: the
# answering then leases nothing new for HOLD_OFF_SECONDS (what it holds goes on), so that its work, and the
# database work it causes (not niced: PostgreSQL's own processes), leaves the CPUs to the acks. At most every
# other such stretch: under a flood that lasts, the answering keeps at least half its pace.
FLOOD_REQUESTS = 4
HOLD_OFF_SECONDS = 0.25


def is_flood(requests: int) -> bool:
    """Whether a commit that stored the events of `requests` requests at once means a flood of acks."""
    return requests >= FLOOD_REQUESTS


class InboundWorker:
    """Drains the inbound queue of one process: at most its pool's connections' worth at a time, oldest first.

    A conversation gets at most PER_CONVERSATION of those slots; its further events wait their turn here, so a
    burst in one channel does not hold back the answers in every other.
    """

    def __init__(self, runtime: Runtime, name: str | None = None, concurrency: int | None = None) -> None:
        self._runtime = runtime
        self.name = name or worker_name()
        # As many events at a time as the process keeps connections (CLUELINE_DB_POOL_SIZE; on SQLite the whole
        # pool, see Settings.for_answering), since a handler holds at most one: more would open connections
        # beyond the pool only to close them again (on PostgreSQL a server process forked for each: 367 in a
        # 20 s bench against 18). Events beyond it wait in the queue, stored.
        self._concurrency = concurrency or runtime.settings.db_pool_size
        self._tasks = TaskTracker()
        self._in_flight: set[str] = set()  # leased here and not finished: under way or held
        self._running_in: Counter[str] = Counter()  # events under way, by conversation
        self._held: dict[str, deque[StoredEvent]] = {}  # events waiting for their conversation's turn
        self._stop = asyncio.Event()  # run()'s: once set, what is held stays unstarted, to be handed over
        self.wake = asyncio.Event()
        # The event loop's time until which nothing new is leased (a flood of acks), and the earliest the next
        # such stretch may begin.
        self._hold_off_until = 0.0
        self._next_hold_off = 0.0
        self._next_takeover_check = 0.0  # the event loop's time of the next look for processes that died

    def stored(self, *, flood: bool) -> None:
        """Serve committed stored events (`flood`: of a flood of requests): wake, and hold off during a flood."""
        now = asyncio.get_running_loop().time()
        if flood and now >= self._next_hold_off:
            self._hold_off_until = now + HOLD_OFF_SECONDS
            self._next_hold_off = now + 2 * HOLD_OFF_SECONDS
        self.wake.set()

    async def run_once(self) -> int:
        """Lease what this process has room for and start handling it; how many were started."""
        started = 0
        deferred: set[str] = set()
        while True:
            room = self._concurrency - self._running_in.total()
            if room <= 0:
                return started
            leased = await self._runtime.inbound.lease(self.name, room, await self._abandoned())
            if self._stop.is_set():
                # Stopping came while the lease ran: what it took goes back at once, none of it started.
                await self._runtime.inbound.release(
                    self.name, [stored.key for stored in leased if stored.key not in self._in_flight]
                )
                return started
            deferring: list[str] = []
            held = sum(len(waiting) for waiting in self._held.values())
            for stored in leased:
                if stored.key in self._in_flight:
                    continue  # still ours from an earlier lease that lapsed while it ran
                conversation = _conversation_of(stored)
                if conversation and self._running_in[conversation] >= PER_CONVERSATION:
                    if held >= self._concurrency * HELD_PER_SLOT:
                        deferring.append(stored.key)  # a flood: left in the queue for later
                        continue
                    self._in_flight.add(stored.key)
                    self._held.setdefault(conversation, deque()).append(stored)
                    held += 1
                else:
                    self._in_flight.add(stored.key)
                    self._start(stored, conversation)
                    started += 1
            if deferring:
                await self._runtime.inbound.defer(self.name, deferring, DEFER_SECONDS)
            came_back = not deferred.isdisjoint(deferring)  # the whole queue was gone through once
            deferred.update(deferring)
            if leased.taken < room or came_back:
                return started  # nothing more waits in the queue, or nothing but what was deferred

    async def _abandoned(self) -> list[str]:
        """Processes of this machine that died holding leases, looked for now and then (TAKEOVER_CHECK_SECONDS)."""
        now = asyncio.get_running_loop().time()
        if now < self._next_takeover_check:
            return []
        self._next_takeover_check = now + TAKEOVER_CHECK_SECONDS
        return [name for name in await self._runtime.inbound.leaseholders() if died_on_this_machine(name)]

    def _start(self, stored: StoredEvent, conversation: str) -> None:
        self._running_in[conversation] += 1
        task = self._tasks.spawn(self._handle(stored), name=f"{stored.platform}:{stored.event.kind}")
        task.add_done_callback(functools.partial(self._finished, stored.key, conversation))

    def _finished(self, key: str, conversation: str, _task: object) -> None:
        self._in_flight.discard(key)
        self._running_in[conversation] -= 1
        if not self._running_in[conversation]:
            del self._running_in[conversation]
        held = self._held.get(conversation)
        if held and not self._stop.is_set():
            # The conversation's next event takes the slot its last one freed, before anything newer.
            next_one = held.popleft()
            if not held:
                del self._held[conversation]
            self._start(next_one, conversation)
        self.wake.set()  # room again: look for more

    async def _renew_leases(self, stop: asyncio.Event) -> None:
        """Keep the leases of the events held or under way here for as long as this process has them."""
        every = self._runtime.inbound.lease_seconds / RENEW_FRACTION
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), every)
            if self._in_flight and not stop.is_set():
                asked = sorted(self._in_flight)
                try:
                    kept = await self._runtime.inbound.renew(self.name, asked)
                except Exception:
                    log.exception("renewing the leases of inbound events failed; trying again shortly")
                    continue
                self._forget_lost_held(set(asked) - kept)

    def _forget_lost_held(self, lost_keys: set[str]) -> None:
        """Drop held events whose lease lapsed and went to another process: that one answers them."""
        for conversation, held in list(self._held.items()):
            lost = [stored for stored in held if stored.key in lost_keys]
            for stored in lost:
                held.remove(stored)
                self._in_flight.discard(stored.key)
            if not held:
                del self._held[conversation]

    async def _handle(self, stored: StoredEvent) -> None:
        adapter = self._runtime.adapters.get(stored.platform)
        if adapter is None:
            # Left for a process that has this platform configured (or this one once it has).
            log.warning(
                "no %s adapter here for a stored event; leaving it to another process", stored.platform
            )
            return
        try:
            # Taken before the first await, so places follow the order the events were leased in (oldest
            # first); left before a failed event's retry is written, so the conversation's next may reply.
            with self._runtime.reply_lanes.place(getattr(stored.event, "conversation", None)):
                await self._runtime.dispatcher.handle_stored(
                    stored.event, adapter, stored.key, resumed_since=stored.resumed_since
                )
        except NotYetHandled as failure:
            await self._try_again_later(stored, failure)
        except Exception:
            # A feature failed (the dispatcher logged it): it may have replied or written, so it is not tried
            # again; its key is given back, as the ack path's failures give theirs, unless another process
            # has taken the event over meanwhile.
            await self._runtime.inbound.give_up(self.name, stored.key)

    async def _try_again_later(self, stored: StoredEvent, failure: NotYetHandled) -> None:
        """Put an event whose handling failed before any feature ran back in the queue, or give it up."""
        tries = stored.tries + 1
        if tries >= TRIES:
            log.error(
                "stored %s event %s failed %d times before any feature ran; given up",
                stored.event.kind,
                stored.key[:12],
                tries,
                exc_info=failure,
            )
            await self._runtime.inbound.give_up(self.name, stored.key)
            return
        log.warning(
            "stored %s event %s failed before any feature ran; trying again in %g s",
            stored.event.kind,
            stored.key[:12],
            RETRY_SECONDS * tries,
            exc_info=failure,
        )
        await self._runtime.inbound.retry_later(self.name, stored.key, RETRY_SECONDS * tries)

    async def run(self, stop: asyncio.Event, poll_seconds: float) -> None:
        """Handle stored events until `stop` is set, then give those under way DRAIN_SECONDS to finish."""
        self._stop = stop
        renewing = asyncio.create_task(self._renew_leases(stop), name="inbound-lease-renewal")
        try:
            await self._serve_until(stop, poll_seconds)
        finally:
            renewing.cancel()
        await self._tasks.drain(timeout=DRAIN_SECONDS)
        await self._release_held()

    async def _serve_until(self, stop: asyncio.Event, poll_seconds: float) -> None:
        while not stop.is_set():
            self.wake.clear()
            holding_off = self._hold_off_until - asyncio.get_running_loop().time()
            if holding_off > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), holding_off)
                continue
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

    async def _release_held(self) -> None:
        """Hand the events held here, never started, to the other processes at once (this one is stopping)."""
        keys = [stored.key for held in self._held.values() for stored in held]
        self._held.clear()
        try:
            await self._runtime.inbound.release(self.name, keys)
        except Exception:
            log.exception(
                "stopping: could not release %d inbound events; they wait out their lease", len(keys)
            )


def _conversation_of(stored: StoredEvent) -> str:
    """The key of the conversation an event belongs to ("" for one without: a home tab opened, an install)."""
    conversation = getattr(stored.event, "conversation", None)
    return conversation.key if conversation is not None else ""
