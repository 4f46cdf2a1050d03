"""Every budget store keeps the same budgets: in this process, in the database (SQLite, PostgreSQL), in Redis.

Two store instances on one backend stand for two processes: a turn taken through one is gone for the other.
"""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from bot.db.database import Database
from bot.rate_budget.buckets import Budget, Rate
from bot.rate_budget.database_store import DatabaseBudgetStore, budget_file_url
from bot.rate_budget.redis_store import RedisBudgetStore
from bot.rate_budget.store import MemoryBudgetStore, RateBudgetStore
from tests.support.redis_server import TEST_REDIS_URL, redis_reachable

NOW = 1_780_000_000.0  # wall-clock seconds, as processes share them
ONE_A_SECOND = Budget("slack:T1:chat.postMessage:C1", (Rate(1.0, 3),))
WORKSPACE = Budget("slack:T1:chat.postMessage", (Rate(5.0, 50),))

NewStore = Callable[[], RateBudgetStore]


@pytest.fixture(params=["memory", "database", "redis"])
async def new_store(request: pytest.FixtureRequest, database_url: str) -> AsyncIterator[NewStore]:
    """Makes stores that share their budgets (one per 'process'), of each kind."""
    made: list[RateBudgetStore] = []
    databases: list[Database] = []
    if request.param == "memory":
        if "postgresql" in database_url:
            pytest.skip("the in-process store has no database")
        shared = MemoryBudgetStore()
        yield lambda: shared
        return
    if request.param == "redis":
        if "postgresql" in database_url:
            pytest.skip("Redis does not depend on the database")
        reason = await redis_reachable()
        if reason is not None:
            pytest.skip(f"Redis is not reachable: {reason}")
    # Keys of this test's own, outside the product's prefix: a test of serve with REDIS_URL in another worker
    # (which clears the product's keys) and this one cannot touch each other's budgets.
    prefix = f"clueline-test:{uuid.uuid4().hex}:"

    def make() -> RateBudgetStore:
        store: RateBudgetStore
        if request.param == "redis":
            store = RedisBudgetStore(TEST_REDIS_URL, prefix=prefix)
        else:
            database = Database(database_url)
            databases.append(database)
            store = DatabaseBudgetStore(database)
        made.append(store)
        return store

    yield make
    for store in made:
        await store.close()
    for database in databases:
        await database.dispose()


async def waits(store: RateBudgetStore, budgets: list[Budget], times: list[float]) -> list[float]:
    """The wait each reservation got, to the millisecond (wall-clock seconds as floats carry rounding)."""
    return [round((await store.reserve(budgets, at_, None)).wait, 3) for at_ in map(fixed, times)]


def fixed(at: float) -> Callable[[], float]:
    return lambda: at


async def test_a_burst_goes_at_once_then_turns_are_one_interval_apart(new_store: NewStore) -> None:
    store = new_store()
    assert await waits(store, [ONE_A_SECOND], [NOW] * 5) == pytest.approx([0, 0, 0, 1.0, 2.0])


async def test_a_turn_taken_by_one_process_is_gone_for_the_other(new_store: NewStore) -> None:
    first, second = new_store(), new_store()
    await waits(first, [ONE_A_SECOND], [NOW] * 3)
    assert await waits(second, [ONE_A_SECOND], [NOW, NOW]) == pytest.approx([1.0, 2.0])


async def test_callers_waiting_at_once_each_get_a_turn_of_their_own(new_store: NewStore) -> None:
    first, second = new_store(), new_store()
    calls = [first.reserve([ONE_A_SECOND], fixed(NOW), None) for _ in range(6)]
    calls += [second.reserve([ONE_A_SECOND], fixed(NOW), None) for _ in range(4)]
    reservations = await asyncio.gather(*calls)
    assert sorted(round(r.wait, 3) for r in reservations) == pytest.approx([0, 0, 0, 1, 2, 3, 4, 5, 6, 7])


async def test_a_refused_wait_takes_no_turn_in_any_budget(new_store: NewStore) -> None:
    store = new_store()
    await waits(store, [ONE_A_SECOND], [NOW] * 5)
    refused = await store.reserve([WORKSPACE, ONE_A_SECOND], fixed(NOW), max_wait=1.5)
    assert not refused.granted
    assert refused.wait == pytest.approx(3.0)
    # The workspace budget was not charged for the refused call: its next 50 go at once.
    assert await waits(store, [WORKSPACE], [NOW] * 50) == [0.0] * 50


async def test_a_call_in_two_budgets_waits_for_the_slower_and_counts_in_both(new_store: NewStore) -> None:
    store = new_store()
    await waits(store, [ONE_A_SECOND], [NOW] * 3)
    assert await waits(store, [WORKSPACE, ONE_A_SECOND], [NOW]) == pytest.approx([1.0])
    other_channel = Budget("slack:T1:chat.postMessage:C2", (Rate(1.0, 3),))
    assert await waits(store, [WORKSPACE, other_channel], [NOW]) == [0.0]


async def test_a_pause_holds_the_key_for_every_process_until_it_ends(new_store: NewStore) -> None:
    first, second = new_store(), new_store()
    await first.pause(ONE_A_SECOND.key, NOW + 30, NOW)
    assert await second.paused_until([ONE_A_SECOND.key, WORKSPACE.key]) == pytest.approx(NOW + 30)
    assert await waits(second, [ONE_A_SECOND], [NOW + 10]) == pytest.approx([20.0])
    assert await waits(second, [WORKSPACE], [NOW + 10]) == [0.0]


async def test_idle_budgets_fill_up_again(new_store: NewStore) -> None:
    store = new_store()
    await waits(store, [ONE_A_SECOND], [NOW] * 3)
    assert await waits(store, [ONE_A_SECOND], [NOW + 60] * 3) == [0.0, 0.0, 0.0]


async def test_a_new_sqlite_budgets_file_locked_by_another_process_is_waited_for(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'clueline.db'}")
    other = sqlite3.connect(make_url(budget_file_url(database.url)).database, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process's first reservation, still in its rollback journal
    other.execute("CREATE TABLE other_process (x)")
    loop = asyncio.get_running_loop()
    loop.call_later(0.3, other.execute, "COMMIT")
    store = DatabaseBudgetStore(database)
    try:
        assert await waits(store, [ONE_A_SECOND], [NOW] * 4) == pytest.approx([0, 0, 0, 1.0])
        assert "stayed locked" not in caplog.text  # counted in the shared file, not in this process only
        assert other.execute("SELECT count(*) FROM rate_budget").fetchone() == (1,)
    finally:
        await store.close()
        await database.dispose()
        other.close()


def where_budgets_live(database_url: str) -> Database:
    """The database holding the budgets: PostgreSQL itself, or beside a SQLite file a file of their own."""
    return Database(database_url if "postgresql" in database_url else budget_file_url(database_url))


async def budget_keys(database: Database) -> set[str]:
    async with database.engine.connect() as conn:
        return set((await conn.execute(text("SELECT key FROM rate_budget"))).scalars())


async def test_idle_budgets_are_swept_from_the_table_and_busy_ones_kept(database_url: str) -> None:
    database = Database(database_url)
    earlier, later = DatabaseBudgetStore(database), DatabaseBudgetStore(database)
    budgets = where_budgets_live(database_url)
    try:
        await waits(earlier, [ONE_A_SECOND], [NOW])
        await waits(later, [WORKSPACE], [NOW + 3600])  # a process's first reservation sweeps
        kept = await budget_keys(budgets)
    finally:
        for store in (earlier, later):
            await store.close()
        await budgets.dispose()
        await database.dispose()
    assert kept == {WORKSPACE.key}


async def test_a_reservation_changes_no_indexed_column_so_postgres_updates_the_row_in_place(
    database_url: str,
) -> None:
    # An update that changes an indexed column is never HOT: each one leaves a dead row and new entries in
    # every index of the table, for VACUUM to clear (2,000 reservations: 2,000 dead rows for 20 live ones).
    if "postgresql" not in database_url:  # a budgets file as an earlier version made it, expiry indexed
        earlier = sqlite3.connect(make_url(budget_file_url(database_url)).database)
        earlier.executescript(
            "CREATE TABLE rate_budget (key VARCHAR(255) PRIMARY KEY, arrivals TEXT NOT NULL, "
            "paused_until FLOAT NOT NULL, expires_at FLOAT NOT NULL);"
            "CREATE INDEX ix_rate_budget_expires_at ON rate_budget (expires_at);"
        )
        earlier.close()
    database = Database(database_url)
    store = DatabaseBudgetStore(database)
    budgets = where_budgets_live(database_url)
    try:
        await waits(store, [ONE_A_SECOND], [NOW])
        async with budgets.engine.connect() as conn:
            indexes = await conn.run_sync(lambda sync: inspect(sync).get_indexes("rate_budget"))
    finally:
        await store.close()
        await budgets.dispose()
        await database.dispose()
    assert [index["column_names"] for index in indexes] == []  # the primary key's own index aside
