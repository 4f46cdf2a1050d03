"""The outbox worker: claims due rows, sends them through their platform's adapter, records the outcome."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.adapter import ChatAdapter, DeliveryLookup
from bot.core.directory import Directory
from bot.core.errors import PermanentSendError, RetryableSendError
from bot.core.types import ConversationRef, OutboundMessage, SentMessage, UserRef
from bot.db.database import Database
from bot.metrics import Metrics
from bot.outbox.claimers import TAKEOVER_CHECK_SECONDS, died_on_this_machine, worker_name
from bot.outbox.store import Outbox, OutboxEntry, backoff_seconds

log = logging.getLogger(__name__)

# After stop, how long the batch in flight may take before its unfinished rows are handed to other workers.
# Platforms give 30 s (Heroku, Kubernetes) between SIGTERM and SIGKILL; the whole shutdown stays under 10 s.
DRAIN_SECONDS = 3.0

OnSent = Callable[[AsyncSession, OutboxEntry, SentMessage], Awaitable[None]]


class _LookupDeferred(Exception):
    """The history lookup of a resumed row must wait for the platform's rate limit."""

    def __init__(self, reason: str, retry_after: float) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class GroupRecorder:
    """Marks delivered rows sent as they are delivered, a transaction per group that arrived meanwhile.

    A worker killed mid-batch then repeats only the sends whose row was not yet committed (those in flight,
    and the few of one commit's round trip), not every send of its batch so far; and a fast platform still
    costs a commit per round trip, not per row.
    """

    def __init__(self, record: Callable[[list[tuple[OutboxEntry, SentMessage]]], Awaitable[None]]) -> None:
        self._record = record
        self._pending: list[tuple[OutboxEntry, SentMessage]] = []
        self._lock = asyncio.Lock()

    async def add(self, entry: OutboxEntry, sent: SentMessage) -> None:
        """Record one delivered row (with whatever else arrived while the previous commit ran)."""
        self._pending.append((entry, sent))
        async with self._lock:
            group, self._pending = self._pending, []
            if group:
                await self._record(group)


class OutboxWorker:
    """Sends claimed rows concurrently; one instance per process."""

    def __init__(
        self,
        database: Database,
        outbox: Outbox,
        directory: Directory,
        adapters: Mapping[str, ChatAdapter],
        on_sent: Mapping[str, OnSent],
        *,
        batch_size: int = 50,
        name: str | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self._database = database
        self._outbox = outbox
        self._directory = directory
        self._adapters = adapters
        self._on_sent = on_sent
        self._batch_size = batch_size
        self.name = name or worker_name()
        self._holding: set[int] = set()  # ids of rows claimed and not yet recorded
        self._next_takeover_check = 0.0  # event-loop time of the next look for dead workers' rows
        self._metrics = metrics

    async def run_once(self) -> int:
        """Claim one batch and send it; returns how many rows were handled."""
        entries = await self._claim()
        await self._send_batch(entries)
        return len(entries)

    async def _claim(self) -> list[OutboxEntry]:
        dead: list[str] = []
        now = asyncio.get_running_loop().time()
        if now >= self._next_takeover_check:
            # A query per claim would tax every batch for an event as rare as a crash: look now and then.
            self._next_takeover_check = now + TAKEOVER_CHECK_SECONDS
            dead = [name for name in await self._outbox.leaseholders() if died_on_this_machine(name)]
        entries = await self._outbox.claim(
            self.name, self._batch_size, holding=self._holding, abandoned_by=dead
        )
        self._holding.update(entry.id for entry in entries)
        return entries

    async def _send_batch(self, entries: list[OutboxEntry]) -> None:
        try:
            if entries:
                delivered = GroupRecorder(self._record)
                await asyncio.gather(*(self._deliver(entry, delivered) for entry in entries))
        finally:
            self._holding.difference_update(entry.id for entry in entries)

    async def run(self, stop: asyncio.Event, poll_seconds: float = 0.5) -> None:
        """Send until `stop` is set; an idle worker sleeps `poll_seconds` between looks.

        The next batch is claimed while the current one is sending, so a rate-limited platform always has
        a call waiting its turn: one batch at a time would leave the limit unused for a round trip and a
        claim at the end of every batch. Two batches at most, so few rows sit claimed when a worker dies.
        """
        sending: asyncio.Task[None] | None = None
        stopping = asyncio.create_task(stop.wait())
        try:
            while not stop.is_set():
                try:
                    entries = await self._claim()
                except Exception:
                    log.exception("outbox claim failed; trying again shortly")
                    entries = []
                queued = asyncio.create_task(self._send_batch(entries)) if entries else None
                if sending is not None:
                    # A stop must not wait behind a platform that hangs or a rate limit's queue.
                    await asyncio.wait({sending, stopping}, return_when=asyncio.FIRST_COMPLETED)
                    if not sending.done():
                        await self._finish_or_release([task for task in (sending, queued) if task])
                        return
                    await self._finish(sending)
                sending = queued
                if queued is None:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), timeout=poll_seconds)
            if sending is not None:
                await self._finish_or_release([sending])
        finally:
            stopping.cancel()

    async def _finish_or_release(self, batches: list[asyncio.Task[None]]) -> None:
        """At stop: let the batches in flight finish for a moment, then end the lease of what they still hold.

        Rows waiting on a rate limit (or a slow platform) would otherwise wait out their whole lease on a
        stopped worker: released, any other worker claims them on its next look.
        """
        done, pending = await asyncio.wait(set(batches), timeout=DRAIN_SECONDS)
        for batch in done:
            await self._finish(batch)
        if not pending:
            return
        held = set(self._holding)
        for batch in pending:
            batch.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        try:
            await self._outbox.release(self.name, held)
            log.info("stopping: %d unfinished outbox rows handed to other workers", len(held))
        except Exception:
            log.exception("stopping: could not release %d outbox rows; they wait out their lease", len(held))

    @staticmethod
    async def _finish(batch: asyncio.Task[None]) -> None:
        try:
            await batch
        except Exception:
            log.exception("outbox batch failed; its rows are retried when their lease ends")

    async def _record(self, delivered: list[tuple[OutboxEntry, SentMessage]]) -> None:
        """Mark delivered rows sent in one transaction (rows with an on-sent hook recorded themselves)."""
        if not delivered:
            return
        async with self._database.session() as session:
            await self._outbox.mark_many_sent(session, delivered)

    async def _deliver(self, entry: OutboxEntry, delivered: GroupRecorder) -> None:
        try:
            adapter = self._adapters.get(entry.platform)
            if adapter is None:
                await self._outbox.mark_failed(entry, f"no {entry.platform!r} adapter is configured")
                return
            try:
                message = OutboundMessage.model_validate_json(entry.message)
                conversation = (
                    ConversationRef.model_validate_json(entry.conversation) if entry.conversation else None
                )
                recipient = UserRef.model_validate_json(entry.recipient) if entry.recipient else None
            except ValidationError as exc:
                await self._outbox.mark_failed(entry, f"malformed outbox row: {exc.errors()[0]['msg']}")
                return
            if conversation is None:
                if recipient is None:
                    await self._outbox.mark_failed(
                        entry, "malformed outbox row: no conversation or recipient"
                    )
                    return
                conversation = await self._directory.direct_conversation(adapter, recipient)
            # A reply queued after its first send's answer was lost keeps that send's key, to be found by it.
            key = message.delivery_key or entry.delivery_key
            sent = await self._delivered_before(adapter, conversation, entry, key) if entry.resumed else None
            if sent is None:
                sent = await adapter.send(conversation, message.model_copy(update={"delivery_key": key}))
                self._count(entry, "sent")
            else:
                self._count(entry, "found_sent")
            hook = self._on_sent.get(entry.purpose)
            if hook is None:
                await delivered.add(entry, sent)
                return
            async with self._database.session() as session:
                await hook(session, entry, sent)
                await self._outbox.mark_many_sent(session, [(entry, sent)])
        except _LookupDeferred as deferred:
            self._count(entry, "rate_limited")
            await self._outbox.defer_resumed(entry, deferred.reason, deferred.retry_after)
        except RetryableSendError as exc:
            self._count(
                entry, "rate_limited" if exc.retry_after is not None else "retry", throttled=exc.throttled
            )
            if exc.outcome_unknown and isinstance(self._adapters.get(entry.platform), DeliveryLookup):
                # It may be posted: the next attempt looks for it first, as after a worker that died mid-send.
                delay = exc.retry_after if exc.retry_after is not None else backoff_seconds(entry.attempts)
                await self._outbox.defer_resumed(entry, exc.reason, delay)
            else:
                await self._outbox.mark_retry(entry, exc.reason, exc.retry_after, attempted=not exc.held_back)
        except PermanentSendError as exc:
            self._count(entry, "failed")
            if exc.conversation_gone and entry.recipient:
                await self._directory.forget_direct_conversation(UserRef.model_validate_json(entry.recipient))
            await self._outbox.mark_failed(entry, exc.reason)
        except Exception as exc:  # a bug or an unexpected platform answer must not stop the worker
            self._count(entry, "retry")
            log.exception("outbox row %s failed unexpectedly", entry.id)
            await self._outbox.mark_retry(entry, f"unexpected error: {type(exc).__name__}", None)

    @staticmethod
    async def _delivered_before(
        adapter: ChatAdapter, conversation: ConversationRef, entry: OutboxEntry, key: str
    ) -> SentMessage | None:
        """For a resumed row, the message its interrupted send already posted, where the platform can tell.

        Unknown (no such capability, or the lookup failed) → None, and the row is posted: at least once stays.
        A lookup the rate limit holds back defers the row instead, still resumed: posting blind would repeat.
        """
        if not isinstance(adapter, DeliveryLookup) or entry.due_since is None:
            return None
        try:
            return await adapter.find_delivered(conversation, key, entry.due_since)
        except RetryableSendError as exc:
            if exc.retry_after is not None:
                raise _LookupDeferred(
                    f"looking up an interrupted send: {exc.reason}", exc.retry_after
                ) from None
            log.warning(
                "outbox row %s: could not look up its interrupted send (%s); posting", entry.id, exc.reason
            )
        except Exception as exc:
            log.warning("outbox row %s: could not look up its interrupted send (%r); posting", entry.id, exc)
        return None

    def _count(self, entry: OutboxEntry, result: str, *, throttled: bool = False) -> None:
        metrics = self._metrics
        if metrics is None:
            return
        metrics.sends.labels(entry.platform, result).inc()
        if result in ("retry", "rate_limited"):
            metrics.retries.labels(entry.platform).inc()
        if throttled:
            metrics.rate_limited.labels(entry.platform).inc()
        if result == "sent" and entry.purpose.startswith("pulse"):
            metrics.pulse_deliveries.labels(entry.platform).inc()
