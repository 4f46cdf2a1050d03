"""Inbound dedupe: an event key is claimed atomically in the database, once, by any process."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from datetime import timedelta

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from bot.clock import Clock
from bot.core.group_commit import GroupCommit
from bot.db.database import Database
from bot.db.models import InboundEventKey
from bot.secret_key import SecretKey

# Slack retries for about an hour and Bot Framework for minutes; a day is comfortably longer than both.
KEEP_KEYS_FOR = timedelta(hours=24)
# A claim not completed after this long belongs to a process that died; its retry may take it over.
ABANDONED_AFTER = timedelta(seconds=60)
# Old keys dropped per statement: each holds SQLite's write lock (the acks') for a few milliseconds at most.
FORGET_PER_STATEMENT = 2000


class EventKeys:
    """What the dedupe table and the inbound queue keep of an event id: an HMAC under the secret key.

    Raw ids name people (a Slack click's holds the person and the message), and a plain hash of one could be
    recomputed from what other tables hold (the outbox's recipient and message): the keyed one cannot.
    """

    def __init__(self, secret_key: SecretKey) -> None:
        self._secret_key = secret_key
        self._material: bytes | None = None

    def of(self, platform: str, event_id: str) -> str:
        """The stored key of one platform's event."""
        if self._material is None:
            derive = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"clueline event keys")
            self._material = derive.derive(self._secret_key.material())
        return hmac.new(self._material, f"{platform}:{event_id}".encode(), hashlib.sha256).hexdigest()


class EventDedupe:
    """Claims event keys so that a redelivered event is acknowledged and ignored."""

    def __init__(self, database: Database, clock: Clock) -> None:
        self._database = database
        self._clock = clock
        # Events finishing together are marked done in one transaction (fewer writes competing with the acks).
        self._completions: GroupCommit[str, None] = GroupCommit(self._complete_all, "inbound-completions")

    async def claim(self, key: str) -> bool:
        """True for the first delivery of `key` (or a retry of an abandoned one); False otherwise."""
        key = key[:255]
        now = self._clock.now()
        try:
            async with self._database.session() as session:
                session.add(InboundEventKey(key=key, claimed_at=now))
        except IntegrityError:
            async with self._database.session() as session:
                result = await session.execute(
                    update(InboundEventKey)
                    .where(col(InboundEventKey.key) == key)
                    .where(col(InboundEventKey.completed).is_(False))
                    # A stored event is the queue's to hand out again (bot.core.inbound_queue), not a retry's.
                    .where(col(InboundEventKey.payload).is_(None))
                    .where(col(InboundEventKey.claimed_at) < now - ABANDONED_AFTER)
                    .values(claimed_at=now)
                )
                return bool(getattr(result, "rowcount", 0))
        return True

    async def complete(self, key: str) -> None:
        """Mark a claimed event as handled for good (its stored copy is dropped: only the key stays)."""
        await self._completions.submit(key[:255])

    async def _complete_all(self, keys: Sequence[str]) -> list[None]:
        # One statement: SQLite's write lock (which the acks need too) held only while it runs.
        async with self._database.one_statement_transactions() as session:
            await session.execute(
                update(InboundEventKey)
                .where(col(InboundEventKey.key).in_(set(keys)))
                .values(completed=True, payload=None, leased_by=None, leased_until=None)
            )
        return [None] * len(keys)

    async def release(self, key: str) -> None:
        """Give a key back when its handling failed, so the platform's retry is handled instead."""
        async with self._database.one_statement_transactions() as session:
            await session.execute(delete(InboundEventKey).where(col(InboundEventKey.key) == key[:255]))

    async def forget_old(self) -> int:
        """Drop keys older than KEEP_KEYS_FOR, FORGET_PER_STATEMENT at a time; returns how many."""
        cutoff = self._clock.now() - KEEP_KEYS_FOR
        forgotten = 0
        while True:
            # A day of keys at once would hold SQLite's write lock (every ack's) for as long as it takes.
            oldest = (
                select(col(InboundEventKey.key))
                .where(col(InboundEventKey.claimed_at) < cutoff)
                .limit(FORGET_PER_STATEMENT)
            )
            async with self._database.one_statement_transactions() as session:
                result = await session.execute(
                    delete(InboundEventKey).where(col(InboundEventKey.key).in_(oldest))
                )
            dropped = int(result.rowcount or 0)
            forgotten += dropped
            if dropped < FORGET_PER_STATEMENT:
                return forgotten
