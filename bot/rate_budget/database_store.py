"""Budgets in the `rate_budget` table: each reservation is one short transaction that locks its rows.

PostgreSQL: SELECT … FOR UPDATE on the keys' rows (created first when missing, so there is a row to lock).
SQLite: a file of its own beside the database (`<database>-rate-budgets`), with BEGIN IMMEDIATE, which takes
that file's write lock before reading. Its own file because a scheduled job may call a platform inside a
transaction of the main database (a pulse lists its audience's members): a budget in the same file would
wait for that job's lock, or break its snapshot. A process runs one such transaction at a time: its
concurrent callers queue here rather than each holding a pooled connection while waiting for the same lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, event, func, select, text
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlmodel import col

from bot.core.group_commit import GroupCommit
from bot.db.database import Database, switch_to_wal
from bot.rate_budget.buckets import Budget, BudgetState, Reservation, pause, reserve
from bot.rate_budget.store import MemoryBudgetStore
from bot.rate_budget.tables import RateBudgetRow

TABLE = RateBudgetRow.__table__  # type: ignore[attr-defined]
KEY_LENGTH = 255
# Idle rows (every time in them past) are deleted this often, by whichever process gets there.
SWEEP_SECONDS = 600.0
# SQLite: how long a reservation waits for the database's write lock. A job of this very process may hold it
# while it calls the platform (a transaction around the call): then the call is counted here only.
SQLITE_LOCK_SECONDS = 2.0
# The execution option that makes a SQLite transaction of the budgets' file begin as a reader.
READ_ONLY = "clueline_budget_read_only"
BUDGET_FILE_SUFFIX = "-rate-budgets"
log = logging.getLogger(__name__)


def row_key(key: str) -> str:
    """The key as stored: long ones (Teams conversation ids can be) by their digest."""
    return key if len(key) <= KEY_LENGTH else "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def _state(row: Any) -> BudgetState:
    return BudgetState(arrivals=[float(x) for x in json.loads(row.arrivals)], paused_until=row.paused_until)


def _expiry(state: BudgetState) -> float:
    return max([state.paused_until, *state.arrivals])


def budget_file_url(database_url: str | URL) -> str:
    """The SQLite URL of the budgets' own file, beside the database's (in memory stays in memory)."""
    url = make_url(database_url)
    if not url.database or url.database == ":memory:":
        return url.render_as_string(hide_password=False)
    return url.set(database=url.database + BUDGET_FILE_SUFFIX).render_as_string(hide_password=False)


def _immediate_engine(database: Database) -> AsyncEngine:
    """A SQLite engine whose transactions begin with BEGIN IMMEDIATE (SQLAlchemy's documented recipe)."""
    engine = create_async_engine(
        budget_file_url(database.url), connect_args={"timeout": SQLITE_LOCK_SECONDS}, hide_parameters=True
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _autocommit_driver(dbapi_connection: Any, _record: Any) -> None:
        # The driver's own implicit BEGIN would take the lock only at the first write: too late.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_LOCK_SECONDS * 1000)}")
        # Budgets are soft state that a few seconds rebuild: a commit need not wait for the disk. With the
        # default rollback journal and full sync, every reservation paid several fsyncs, and one process's
        # sends queued behind them (a pulse to 2,000 people took 1.6x the limit's minimum instead of 1.02x).
        switch_to_wal(cursor, SQLITE_LOCK_SECONDS)
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin_immediate(connection: Any) -> None:
        # A plain read (a pause's end) must not queue for the write lock behind every reservation.
        reading = connection.get_execution_options().get(READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")

    return engine


@dataclass(frozen=True)
class _Request:
    """A caller waiting for its turn: the budgets, how long it may wait, and its clock."""

    budgets: Sequence[Budget]
    max_wait: float | None
    clock: Callable[[], float]


class DatabaseBudgetStore:
    """Shared budgets in the application's database (SQLite or PostgreSQL)."""

    def __init__(self, database: Database) -> None:
        self._sqlite = database.is_sqlite
        self._engine = _immediate_engine(database) if self._sqlite else database.engine
        self._insert = sqlite_insert if self._sqlite else postgres_insert
        self._one_at_a_time = asyncio.Lock()
        # Callers that queue while a reservation's transaction runs are served together by the next one: at
        # a hundred sends a second, one transaction per call left the sends waiting on each other's commits.
        self._reservations: GroupCommit[_Request, Reservation] = GroupCommit(
            self._reserve_together, "rate-budget-group-commit"
        )
        self._here_only = MemoryBudgetStore()
        self._next_sweep = 0.0
        self._table_ready = False

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[AsyncConnection]:
        async with self._one_at_a_time, self._engine.begin() as conn:
            if self._sqlite and not self._table_ready:
                # The budgets' own file has no migrations: its one table is made on first use.
                await conn.run_sync(lambda sync: TABLE.create(sync, checkfirst=True))
                # An earlier version indexed the expiry, which every reservation changes (tables.py).
                await conn.execute(text("DROP INDEX IF EXISTS ix_rate_budget_expires_at"))
                self._table_ready = True
            yield conn

    async def _locked_states(
        self, conn: AsyncConnection, keys: list[str], now: float
    ) -> dict[str, BudgetState]:
        query = select(TABLE).where(col(RateBudgetRow.key).in_(keys)).order_by(col(RateBudgetRow.key))
        if self._sqlite:  # the transaction already holds the database's write lock
            return {row.key: _state(row) for row in (await conn.execute(query)).all()}
        rows = (await conn.execute(query.with_for_update())).all()
        if len(rows) < len(keys):
            # Keys never seen: rows first, so that FOR UPDATE has something to lock (another process may be
            # creating them right now; then its rows win and are locked here like any other).
            await conn.execute(
                postgres_insert(TABLE)
                .values(
                    [{"key": key, "arrivals": "[]", "paused_until": 0.0, "expires_at": now} for key in keys]
                )
                .on_conflict_do_nothing()
            )
            rows = (await conn.execute(query.with_for_update())).all()
        return {row.key: _state(row) for row in rows}

    async def _write(self, conn: AsyncConnection, states: dict[str, BudgetState]) -> None:
        values = [
            {
                "key": key,
                "arrivals": json.dumps(state.arrivals),
                "paused_until": state.paused_until,
                "expires_at": _expiry(state),
            }
            for key, state in states.items()
        ]
        statement = self._insert(TABLE).values(values)
        await conn.execute(
            statement.on_conflict_do_update(
                index_elements=["key"],
                set_={
                    "arrivals": statement.excluded.arrivals,
                    "paused_until": statement.excluded.paused_until,
                    "expires_at": statement.excluded.expires_at,
                },
            )
        )

    async def reserve(
        self, budgets: Sequence[Budget], clock: Callable[[], float], max_wait: float | None
    ) -> Reservation:
        """Take a turn in every budget at once, in one transaction."""
        try:
            return await self._reserve(budgets, clock, max_wait)
        except OperationalError:
            if not self._sqlite:
                raise
            log.warning("rate budgets: the SQLite file stayed locked; this call counted in this process only")
            return await self._here_only.reserve(budgets, clock, max_wait)

    async def _reserve(
        self, budgets: Sequence[Budget], clock: Callable[[], float], max_wait: float | None
    ) -> Reservation:
        return await self._reservations.submit(_Request(budgets, max_wait, clock))

    async def _reserve_together(self, batch: Sequence[_Request]) -> list[Reservation]:
        keys = sorted({row_key(budget.key) for request in batch for budget in request.budgets})
        clock = batch[0].clock
        async with self._transaction() as conn:
            states = await self._locked_states(conn, keys, clock())
            now = clock()  # the rows are locked: nobody else's turn can come between this and the write
            mine = {key: states.get(key) or BudgetState() for key in keys}
            outcomes = [
                reserve(
                    request.budgets, [mine[row_key(b.key)] for b in request.budgets], now, request.max_wait
                )
                for request in batch
            ]
            if any(outcome.granted for outcome in outcomes):
                await self._write(conn, mine)
        await self._sweep(now)
        return outcomes

    async def pause(self, key: str, until: float, now: float) -> None:
        """Hold the key until `until`."""
        stored = row_key(key)
        await self._here_only.pause(key, until, now)
        try:
            async with self._transaction() as conn:
                state = (await self._locked_states(conn, [stored], now)).get(stored) or BudgetState()
                pause(state, until)
                await self._write(conn, {stored: state})
        except OperationalError:
            if not self._sqlite:
                raise
            log.warning(
                "rate budgets: the SQLite file stayed locked; a 429 pause is known in this process only"
            )

    async def paused_until(self, keys: Sequence[str]) -> float:
        """The latest end of a pause among `keys` (a plain read: no lock needed)."""
        here = await self._here_only.paused_until(keys)
        try:
            async with self._engine.connect() as conn:
                await conn.execution_options(**{READ_ONLY: True})
                latest = await conn.scalar(
                    select(func.max(col(RateBudgetRow.paused_until))).where(
                        col(RateBudgetRow.key).in_([row_key(key) for key in keys])
                    )
                )
        except OperationalError:
            if not self._sqlite:
                raise
            return here
        return max(here, float(latest or 0.0))

    async def _sweep(self, now: float) -> None:
        if time.monotonic() < self._next_sweep:
            return
        self._next_sweep = time.monotonic() + SWEEP_SECONDS
        with contextlib.suppress(OperationalError):  # a locked SQLite file: next time
            async with self._transaction() as conn:
                await conn.execute(delete(TABLE).where(col(RateBudgetRow.expires_at) < now))

    async def close(self) -> None:
        """Close the SQLite engine of its own (PostgreSQL shares the application's, closed with it)."""
        if self._sqlite:
            await self._engine.dispose()
