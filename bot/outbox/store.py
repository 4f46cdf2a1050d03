"""Outbox rows: enqueue inside a feature's transaction, claim by workers, record the outcome."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.clock import Clock
from bot.core.types import ConversationRef, OutboundMessage, SentMessage, UserRef
from bot.db.database import Database
from bot.db.models import OutboxMessage

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
_KEYS_PER_LOOKUP = 400  # keeps the IN (...) list of a key lookup well inside every driver's parameter limit
MAX_BACKOFF_SECONDS = 300.0


@dataclass(frozen=True)
class QueuedMessage:
    """A message to queue in bulk, with the key that makes queueing it twice a no-op."""

    idempotency_key: str
    message: OutboundMessage
    conversation: ConversationRef | None = None
    recipient: UserRef | None = None
    purpose: str = "message"
    not_before: datetime | None = None

    @property
    def platform(self) -> str:
        """The platform that sends it."""
        target = self.conversation or self.recipient
        if target is None:
            raise ValueError("a message needs a conversation or a recipient")
        return target.platform


@dataclass(frozen=True)
class OutboxEntry:
    """A claimed row, with its JSON parsed back into boundary types by the worker."""

    id: int
    purpose: str
    platform: str
    conversation: str | None
    recipient: str | None
    message: str
    attempts: int
    resumed: bool  # claimed again after a worker stopped mid-send: the platform may already have it
    # No earlier send of the row can be older than this (a row is claimed only once due): where a platform
    # looks a resumed send up in its history, it looks from here.
    due_since: datetime | None = None

    @property
    def delivery_key(self) -> str:
        """The key a send of this row carries to the platform: the row's id, nothing about the person."""
        return f"outbox-{self.id}"


class Outbox:
    """The queue of messages to send, in the database so any worker can send them after a restart."""

    def __init__(self, database: Database, clock: Clock, lease_seconds: float = 60.0) -> None:
        self._database = database
        self._clock = clock
        self._lease = timedelta(seconds=lease_seconds)
        # SQLite has no row locks: two overlapping claims in one process could read the same rows.
        self._claiming = asyncio.Lock()

    async def enqueue(
        self,
        session: AsyncSession,
        message: OutboundMessage,
        *,
        conversation: ConversationRef | None = None,
        recipient: UserRef | None = None,
        purpose: str = "message",
        idempotency_key: str | None = None,
        not_before: datetime | None = None,
        sent_perhaps_since: datetime | None = None,
    ) -> int | None:
        """Queue a message in the caller's transaction; returns its id, or None when the key was queued before.

        `sent_perhaps_since`: an attempt to send it since then may have reached the platform (its answer was
        lost), so the row starts as resumed: the worker looks for it (by the message's delivery key) before
        posting it again.
        """
        if conversation is None and recipient is None:
            raise ValueError("a message needs a conversation or a recipient")
        if idempotency_key is not None:
            existing = await session.execute(
                select(col(OutboxMessage.id)).where(col(OutboxMessage.idempotency_key) == idempotency_key)
            )
            if existing.first() is not None:
                return None
        now = self._clock.now()
        platform = conversation.platform if conversation is not None else recipient.platform  # type: ignore[union-attr]
        row = OutboxMessage(
            idempotency_key=idempotency_key,
            purpose=purpose,
            platform=platform,
            conversation=conversation.model_dump_json() if conversation is not None else None,
            recipient=recipient.model_dump_json() if recipient is not None else None,
            message=message.model_dump_json(),
            not_before=not_before or now,
            created_at=now,
        )
        if sent_perhaps_since is not None:
            # A "sending" row under a lease nobody holds is claimed as resumed once the lease runs out.
            row.status, row.not_before, row.lease_until = "sending", sent_perhaps_since, not_before or now
        session.add(row)
        await session.flush()
        return row.id

    async def enqueue_many(self, session: AsyncSession, messages: Sequence[QueuedMessage]) -> dict[str, int]:
        """Queue many keyed messages in the caller's transaction with one insert; returns each key's row id.

        A key queued before keeps its row (and its id), so a redelivered batch queues nothing twice.
        """
        if not messages:
            return {}
        now = self._clock.now()
        rows = [
            {
                "idempotency_key": queued.idempotency_key,
                "purpose": queued.purpose,
                "platform": queued.platform,
                "conversation": queued.conversation.model_dump_json() if queued.conversation else None,
                "recipient": queued.recipient.model_dump_json() if queued.recipient else None,
                "message": queued.message.model_dump_json(),
                "status": "pending",
                "attempts": 0,
                "not_before": queued.not_before or now,
                "created_at": now,
            }
            for queued in messages
        ]
        table = OutboxMessage.__table__  # type: ignore[attr-defined]
        await session.execute(
            self._database.insert(table).on_conflict_do_nothing(index_elements=["idempotency_key"]), rows
        )
        keys = [queued.idempotency_key for queued in messages]
        ids: dict[str, int] = {}
        for start in range(0, len(keys), _KEYS_PER_LOOKUP):
            found = await session.execute(
                select(col(OutboxMessage.idempotency_key), col(OutboxMessage.id)).where(
                    col(OutboxMessage.idempotency_key).in_(keys[start : start + _KEYS_PER_LOOKUP])
                )
            )
            ids.update({str(key): int(row_id or 0) for key, row_id in found.all()})
        return ids

    async def backlog(self) -> tuple[int, float]:
        """How many rows are due and unsent (waiting or sending), and how long the oldest has been due (s)."""
        now = self._clock.now()
        unsent = or_(
            and_(col(OutboxMessage.status) == "pending", col(OutboxMessage.not_before) <= now),
            col(OutboxMessage.status) == "sending",
        )
        async with self._database.session() as session:
            count, oldest = (
                await session.execute(
                    select(func.count(), func.min(col(OutboxMessage.not_before))).where(unsent)
                )
            ).one()
        if not count or oldest is None:
            return 0, 0.0
        return int(count), max(0.0, (now - oldest).total_seconds())

    async def release(self, worker_id: str, ids: Collection[int]) -> None:
        """End the lease of rows this worker holds but will not finish, so any worker takes them at once."""
        if not ids:
            return
        async with self._database.session() as session:
            await session.execute(
                update(OutboxMessage)
                .where(
                    col(OutboxMessage.id).in_(list(ids)),
                    col(OutboxMessage.claimed_by) == worker_id,
                    col(OutboxMessage.status) == "sending",
                )
                .values(lease_until=self._clock.now())
            )

    async def leaseholders(self) -> list[str]:
        """Names of the workers holding rows under a running lease."""
        async with self._database.session() as session:
            names = await session.scalars(
                select(col(OutboxMessage.claimed_by))
                .where(
                    col(OutboxMessage.status) == "sending",
                    col(OutboxMessage.lease_until) >= self._clock.now(),
                )
                .distinct()
            )
            return [name for name in names if name]

    async def claim(
        self,
        worker_id: str,
        limit: int,
        *,
        holding: Collection[int] = (),
        abandoned_by: Collection[str] = (),
    ) -> list[OutboxEntry]:
        """Take up to `limit` due rows for this worker (PostgreSQL: SKIP LOCKED, so workers never collide).

        `holding` are rows the caller is still sending: their lease may have run out while they waited
        for the platform's rate limit, and claiming them again would send them twice. Rows of the workers
        named in `abandoned_by` (known dead) are due at once, without waiting out their lease.
        """
        async with self._claiming:
            return await self._claim(worker_id, limit, holding, abandoned_by)

    async def _claim(
        self, worker_id: str, limit: int, holding: Collection[int], abandoned_by: Collection[str]
    ) -> list[OutboxEntry]:
        now = self._clock.now()
        gone = col(OutboxMessage.lease_until) < now
        if abandoned_by:
            gone = or_(gone, col(OutboxMessage.claimed_by).in_(list(abandoned_by)))
        abandoned = and_(col(OutboxMessage.status) == "sending", gone)
        if holding:
            abandoned = and_(abandoned, col(OutboxMessage.id).not_in(list(holding)))
        due = or_(
            and_(col(OutboxMessage.status) == "pending", col(OutboxMessage.not_before) <= now),
            abandoned,
        )
        async with self._database.session() as session:
            if self._database.is_sqlite:
                # SQLite has no FOR UPDATE: the write lock is taken before reading, or two worker processes
                # would read the same due rows and both claim them (the driver begins only at the UPDATE).
                await (await session.connection()).exec_driver_sql("BEGIN IMMEDIATE")
            rows = (
                (
                    await session.execute(
                        select(OutboxMessage)
                        .where(due)
                        .order_by(col(OutboxMessage.not_before), col(OutboxMessage.id))
                        .limit(limit)
                        .with_for_update(skip_locked=True)
                    )
                )
                .scalars()
                .all()
            )
            entries = []
            for row in rows:
                resumed = row.status == "sending"
                row.status = "sending"
                row.attempts += 1
                row.claimed_by = worker_id
                row.lease_until = now + self._lease
                if resumed:
                    row.last_error = "claimed again after a worker stopped mid-send; may repeat once"
                assert row.id is not None
                entries.append(
                    OutboxEntry(
                        id=row.id,
                        purpose=row.purpose,
                        platform=row.platform,
                        conversation=row.conversation,
                        recipient=row.recipient,
                        message=row.message,
                        attempts=row.attempts,
                        resumed=resumed,
                        due_since=row.not_before,
                    )
                )
        return entries

    async def mark_many_sent(
        self, session: AsyncSession, sent: list[tuple[OutboxEntry, SentMessage]]
    ) -> None:
        """Record the platforms' message ids of sent rows, in the caller's transaction."""
        now = self._clock.now()
        await session.execute(
            update(OutboxMessage),
            [
                {
                    "id": entry.id,
                    "status": "sent",
                    "sent_at": now,
                    "sent_conversation": message.conversation.model_dump_json(),
                    "sent_message_id": message.message_id,
                    "lease_until": None,
                }
                for entry, message in sent
            ],
        )

    async def mark_retry(
        self, entry: OutboxEntry, reason: str, retry_after: float | None, *, attempted: bool = True
    ) -> None:
        """Put a row back for later: after `retry_after` when the platform said so, else exponential backoff.

        Not `attempted` (our own rate limit held the call back) spends none of the row's attempts: at scale,
        many processes wait their turn, and waiting is no failure.
        """
        if attempted and entry.attempts >= MAX_ATTEMPTS:
            await self.mark_failed(entry, f"gave up after {entry.attempts} attempts: {reason}")
            return
        delay = retry_after if retry_after is not None else backoff_seconds(entry.attempts)
        async with self._database.session() as session:
            await session.execute(
                update(OutboxMessage)
                .where(col(OutboxMessage.id) == entry.id)
                .values(
                    status="pending",
                    not_before=self._clock.now() + timedelta(seconds=delay),
                    last_error=reason[:2000],
                    lease_until=None,
                    attempts=col(OutboxMessage.attempts) - (0 if attempted else 1),
                )
            )

    async def defer_resumed(self, entry: OutboxEntry, reason: str, retry_after: float) -> None:
        """Put a resumed row back for later while it stays resumed (whether it went out is still unknown).

        The row keeps status "sending" under a lease no worker holds: once it runs out, the next claim takes
        the row again as resumed, so its send is looked up again instead of posted blind.
        """
        if entry.attempts >= MAX_ATTEMPTS:
            await self.mark_failed(entry, f"gave up after {entry.attempts} attempts: {reason}")
            return
        async with self._database.session() as session:
            await session.execute(
                update(OutboxMessage)
                .where(col(OutboxMessage.id) == entry.id)
                .values(
                    claimed_by=None,
                    last_error=reason[:2000],
                    lease_until=self._clock.now() + timedelta(seconds=retry_after),
                )
            )

    async def mark_failed(self, entry: OutboxEntry, reason: str) -> None:
        """Record a permanent failure with its reason; the row is never sent, and the operator is told."""
        # A post nobody will see again (the experts' channel the bot cannot reach) must not fail unseen.
        log.warning("a %s message on %s was not sent, for good: %s", entry.purpose, entry.platform, reason)
        async with self._database.session() as session:
            await session.execute(
                update(OutboxMessage)
                .where(col(OutboxMessage.id) == entry.id)
                .values(status="failed", last_error=reason[:2000], lease_until=None)
            )


def backoff_seconds(attempts: int) -> float:
    """Exponential backoff with full jitter, so many failing rows do not retry in step."""
    ceiling: float = min(MAX_BACKOFF_SECONDS, 2.0**attempts)
    return random.uniform(ceiling / 2, ceiling)
