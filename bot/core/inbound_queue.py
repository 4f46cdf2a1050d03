"""Store-then-work: an inbound event is stored before its ack, and handled by whichever process leases it.

The ack path only writes a row (the same row that dedupes the event); answering happens in another
process (`clueline worker`, or the event processes `clueline serve` starts). Concurrent stores share one
transaction (group commit): on SQLite a commit costs far more than a row, and one writer at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import Row, Select, and_, delete, or_, select, update
from sqlalchemy.engine import Result
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import Executable
from sqlmodel import col

from bot.clock import Clock
from bot.core.dedupe import ABANDONED_AFTER
from bot.core.event_seal import EventSeal, EventUnreadable, smallest_size_class
from bot.core.group_commit import GroupCommit
from bot.core.types import InboundEvent
from bot.db.database import Database
from bot.db.inbound_file import TABLE
from bot.db.models import InboundEventKey
from bot.db.quick_insert import FileLocked, QuickSqliteInsert
from bot.db.quick_postgres_insert import QuickPostgresInsert

log = logging.getLogger(__name__)

EVENT_JSON: TypeAdapter[InboundEvent] = TypeAdapter(InboundEvent)
# SQLite: how long the ack's store keeps trying for the file's write lock (as long as every other connection
# waits for it; then 503, and the platform delivers again), and how often it tries.
SQLITE_STORE_SECONDS = 30.0
SQLITE_RETRY_SECONDS = 0.001
# How long a stored event this process cannot open is left to the others before it tries again.
UNREADABLE_RETRY_SECONDS = 300.0
# Keys named in one renewal or release statement (each its own short write: the acks wait for SQLite's lock).
_KEYS_PER_STATEMENT = 500


@dataclass(frozen=True)
class StoredEvent:
    """An event leased for handling: its dedupe key, platform, the event itself, and its failed tries so far."""

    key: str
    platform: str
    event: InboundEvent
    tries: int = 0
    # When it was acknowledged, if a process that leased it before stopped without finishing it (killed, or its
    # lease lapsed): its replies may have gone out already, so each is looked for before it is sent again.
    resumed_since: datetime | None = None


@dataclass(frozen=True)
class _Pending:
    key: str
    platform: str
    payload: str
    claimed_at: datetime


class Leased(list[StoredEvent]):
    """The events a lease took that this process can open; `taken`: the rows it took, those it cannot open too."""

    def __init__(self, taken: int) -> None:
        super().__init__()
        self.taken = taken


class InboundQueue:
    """Stores acknowledged events (once per key) and leases them to the processes that handle them."""

    def __init__(
        self, database: Database, clock: Clock, seal: EventSeal, lease: timedelta = ABANDONED_AFTER
    ) -> None:
        self._database = database
        self._clock = clock
        self._seal = seal
        self._connection: AsyncConnection | None = None
        # A SQLite file: the ack's insert on this thread through the standard library (bot.db.quick_insert).
        self._quick = QuickSqliteInsert(database, TABLE, "key") if database.is_sqlite_file else None
        # PostgreSQL: the batch in one statement of column arrays, through asyncpg itself (bot.db.quick_postgres_insert).
        self._quick_postgres = QuickPostgresInsert(database, TABLE, "key") if not database.is_sqlite else None
        self._lease = lease
        self._stores: GroupCommit[_Pending, bool] = GroupCommit(self._store_all, "inbound-group-commit")
        # Called after each commit that stored a new event, with how many requests it served (wakes the
        # processes that handle them; a large one tells them the acks are flooding in).
        self.on_stored: list[Callable[[int], None]] = []

    async def store(self, key: str, platform: str, event: InboundEvent) -> bool:
        """True when the event is new and now stored; False for a second delivery. Raises if not stored."""
        key = key[:255]
        payload = self._seal.seal(key, EVENT_JSON.dump_json(event), smallest_size_class(event))
        return await self._stores.submit(_Pending(key, platform, payload, self._clock.now()))

    async def _store_all(self, batch: Sequence[_Pending]) -> list[bool]:
        stored = await self._insert_new(batch)
        fresh: list[bool] = []
        claimed: set[str] = set()
        for pending in batch:
            # A key twice in one batch is stored once: the first delivery is the fresh one.
            fresh.append(pending.key in stored and pending.key not in claimed)
            claimed.add(pending.key)
        if stored:
            for wake in self.on_stored:
                wake(len(batch))
        return fresh

    async def _insert_new(self, batch: Sequence[_Pending]) -> set[str]:
        rows: dict[str, dict[str, object]] = {}
        for p in batch:
            rows.setdefault(
                p.key,
                {
                    "key": p.key,
                    "claimed_at": p.claimed_at,
                    "completed": False,
                    "platform": p.platform,
                    "payload": p.payload,
                    "tries": 0,
                },
            )
        if self._quick_postgres is not None:
            return await self._quick_postgres.insert_new(list(rows.values()))
        if self._quick is None:
            statement = (
                self._database.insert(TABLE)
                .on_conflict_do_nothing(index_elements=["key"])
                .returning(TABLE.c.key)
            )
            result = await self._on_store_connection(statement, list(rows.values()))
            return {str(key) for key in result.scalars().all()}
        deadline = time.monotonic() + SQLITE_STORE_SECONDS
        while True:
            try:
                return self._quick.insert_new(list(rows.values()))
            except FileLocked as exc:
                # Another process holds the file's write lock (a lease or a completion): try again as soon as
                # it may be free.
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                await asyncio.sleep(SQLITE_RETRY_SECONDS)

    async def _on_store_connection(self, statement: Executable, rows: list[dict[str, object]]) -> Result[Any]:
        """Run `statement` on the store's own connection (SQLite in memory: the one the database lives in)."""
        if self._connection is None:
            self._connection = await self._database.autocommit_connection()
        return await self._connection.execute(statement, rows)

    async def close(self) -> None:
        """Close the store's connection (the process is stopping)."""
        if self._quick is not None:
            self._quick.close()
        if self._quick_postgres is not None:
            with contextlib.suppress(Exception):  # a dropped connection has nothing left to close
                await self._quick_postgres.close()
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):  # a dropped connection has nothing left to close
                await connection.close()

    async def leaseholders(self) -> list[str]:
        """Names of the processes holding leases of events not handled yet."""
        async with self._database.session() as session:
            names = await session.execute(
                select(col(InboundEventKey.leased_by))
                .where(_waiting())
                .where(col(InboundEventKey.leased_by).is_not(None))
                .distinct()
            )
            return [name for name in names.scalars().all() if name]

    async def lease(self, owner: str, limit: int, abandoned_by: Sequence[str] = ()) -> Leased:
        """Lease up to `limit` stored events nobody handles (oldest first) to `owner`, taking over those leased
        by the processes `abandoned_by` names (gone, their leases not yet lapsed)."""
        now = self._clock.now()
        until = now + self._lease
        dead = [name for name in abandoned_by if name != owner]
        if self._database.is_sqlite:
            oldest_free = (
                select(col(InboundEventKey.key))
                .where(_free(now, dead))
                .order_by(col(InboundEventKey.claimed_at))
                .limit(limit)
            )
            rows = await self._lease_on_sqlite(oldest_free, owner, until, now, dead)
        else:
            # One statement (PostgreSQL locks rows, not the database); racing processes take different rows.
            # The rows are read in a subquery so that who held each before (RETURNING gives the new holder) comes
            # back too.
            before = (
                select(TABLE.c.key.label("taken"), TABLE.c.leased_by.label("held_by"))
                .where(_free(now, dead))
                .order_by(TABLE.c.claimed_at)
                .limit(limit)
                .with_for_update(skip_locked=True)
                .subquery()
            )
            statement = (
                update(TABLE)
                .where(TABLE.c.key == before.c.taken)
                .values(leased_by=owner, leased_until=until)
                .returning(*_LEASED_COLUMNS[:-1], before.c.held_by)
            )
            async with self._database.one_statement_transactions() as conn:
                rows = list((await conn.execute(statement)).all())
        rows.sort(key=lambda row: row.claimed_at)
        leased = Leased(taken=len(rows))
        unreadable: list[str] = []
        for row in rows:
            try:
                leased.append(
                    StoredEvent(
                        row.key,
                        row.platform or "",
                        self._event(row.key, row.payload or ""),
                        row.tries,
                        # Leases given back (done, released, deferred) name nobody: one still named is unfinished.
                        resumed_since=row.claimed_at if row.held_by is not None else None,
                    )
                )
            except (EventUnreadable, ValidationError):
                unreadable.append(row.key)
        if unreadable:
            # Another process may open them (a newer version, or one with the key they were sealed under, in a
            # rolling deploy); for this one they would fail every lease and strand the events leased beside
            # them. Left for later: old keys are forgotten in the end (Dedupe.forget_old).
            log.warning("%d stored events cannot be opened here; left for another process", len(unreadable))
            await self.defer(owner, unreadable, UNREADABLE_RETRY_SECONDS)
        return leased

    async def _lease_on_sqlite(
        self, oldest_free: Select[str], owner: str, until: datetime, now: datetime, dead: Sequence[str]
    ) -> list[_LeasedRow]:
        """The lease on SQLite: the rows read first, then taken by an UPDATE without RETURNING.

        SQLite holds the file's write lock until a statement's last row is fetched, and the driver fetches
        RETURNING's rows in a second trip to its thread: the acks then waited for this process (niced, on a
        busy machine) to come back for them. Reads take no lock in WAL mode; the UPDATE alone holds it.
        """
        async with self._database.one_statement_transactions() as conn:
            candidates = list(
                (await conn.execute(select(*_LEASED_COLUMNS).where(TABLE.c.key.in_(oldest_free)))).all()
            )
            if not candidates:
                return []
            keys = [row.key for row in candidates]
            taken = await conn.execute(
                update(TABLE)
                .where(TABLE.c.key.in_(keys), _free(now, dead))
                .values(leased_by=owner, leased_until=until)
            )
            if taken.rowcount == len(keys):
                return candidates
            # Another process took some of them between the read and the update: keep the rows now ours.
            ours = set(
                (await conn.execute(select(TABLE.c.key).where(_leased_to(owner, until, keys)))).scalars()
            )
            return [row for row in candidates if row.key in ours]

    @property
    def lease_seconds(self) -> float:
        """How long a lease lasts unless renewed."""
        return self._lease.total_seconds()

    async def renew(self, owner: str, keys: Sequence[str]) -> set[str]:
        """Extend `owner`'s leases of `keys` by a whole lease from now; the keys it still held (the others lost)."""
        until = self._clock.now() + self._lease
        await self._set_leases(owner, keys, owner, until)
        kept: set[str] = set()
        if not keys:
            return kept
        async with self._database.one_statement_transactions() as conn:
            for chunk in _chunks(keys):
                held = select(TABLE.c.key).where(_leased_to(owner, until, chunk))
                kept.update(str(key) for key in (await conn.execute(held)).scalars())
        return kept

    async def release(self, owner: str, keys: Sequence[str]) -> None:
        """Give `owner`'s leases of `keys` back, unhandled: any process may lease them at once."""
        await self._set_leases(owner, keys, None, None)

    async def defer(self, owner: str, keys: Sequence[str], seconds: float) -> None:
        """Give `owner`'s leases of `keys` back, to be leased by any process after `seconds`, not before."""
        await self._set_leases(owner, keys, None, self._clock.now() + timedelta(seconds=seconds))

    async def retry_later(self, owner: str, key: str, seconds: float) -> bool:
        """Count a failed try of `owner`'s leased event and give it back, to be leased again after `seconds`.

        False when `owner` no longer held it (its lease lapsed and another process took it: that one counts).
        """
        async with self._database.one_statement_transactions() as conn:
            result = await conn.execute(
                update(TABLE)
                .where(_held_by(owner, [key]))
                .values(
                    leased_by=None,
                    leased_until=self._clock.now() + timedelta(seconds=seconds),
                    tries=TABLE.c.tries + 1,
                )
            )
            return bool(result.rowcount)

    async def give_up(self, owner: str, key: str) -> bool:
        """Drop `owner`'s leased event unhandled, key and all (a redelivery would be handled); False if not held.

        Only while `owner` holds it: a process whose lease lapsed must not drop what another has taken over, or
        even completed since.
        """
        async with self._database.one_statement_transactions() as conn:
            result = await conn.execute(delete(TABLE).where(_held_by(owner, [key])))
            return bool(result.rowcount)

    async def _set_leases(
        self, owner: str, keys: Sequence[str], leased_by: str | None, leased_until: datetime | None
    ) -> None:
        # No RETURNING here or in the other writes: see _lease_on_sqlite.
        if not keys:
            return
        async with self._database.one_statement_transactions() as conn:
            for chunk in _chunks(keys):
                await conn.execute(
                    update(TABLE)
                    .where(_held_by(owner, chunk))
                    .values(leased_by=leased_by, leased_until=leased_until)
                )

    def _event(self, key: str, payload: str) -> InboundEvent:
        if payload.startswith("{"):  # stored by a version that kept events as plain JSON
            return EVENT_JSON.validate_json(payload)
        return EVENT_JSON.validate_json(self._seal.open(key, payload))


# What a lease reads of each row: key, platform, payload, claimed_at, tries, and who held it before.
_LeasedRow = Row[Any, Any, Any, Any, Any, Any]
_LEASED_COLUMNS = (
    TABLE.c.key,
    TABLE.c.platform,
    TABLE.c.payload,
    TABLE.c.claimed_at,
    TABLE.c.tries,
    TABLE.c.leased_by.label("held_by"),
)


def _chunks(keys: Sequence[str]) -> list[list[str]]:
    """`keys` in slices of at most _KEYS_PER_STATEMENT, one statement each."""
    return [
        list(keys[start : start + _KEYS_PER_STATEMENT]) for start in range(0, len(keys), _KEYS_PER_STATEMENT)
    ]


def _held_by(owner: str, keys: Sequence[str]) -> ColumnElement[bool]:
    """The rows of `keys` while `owner` holds their leases and they are not handled yet."""
    return and_(TABLE.c.key.in_(keys), TABLE.c.leased_by == owner, TABLE.c.completed.is_(False))


def _leased_to(owner: str, until: datetime, keys: Sequence[str]) -> ColumnElement[bool]:
    """The rows of `keys` that `owner` holds until exactly `until`: the ones its last lease or renewal took."""
    return and_(_held_by(owner, keys), TABLE.c.leased_until == until)


def _waiting() -> ColumnElement[bool]:
    """Stored and not yet handled."""
    return and_(col(InboundEventKey.completed).is_(False), col(InboundEventKey.payload).is_not(None))


def _free(now: datetime, dead: Sequence[str]) -> ColumnElement[bool]:
    """Waiting, and leased by nobody alive: never leased, lease lapsed, or its process gone."""
    lapsed = or_(
        col(InboundEventKey.leased_until).is_(None),
        col(InboundEventKey.leased_until) < now,
        col(InboundEventKey.leased_by).in_(list(dead)),
    )
    return and_(_waiting(), lapsed)
