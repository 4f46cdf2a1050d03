"""The inbound queue: events stored once per key, concurrent stores in one commit, each leased to one process."""

from __future__ import annotations

import asyncio
import base64
import sqlite3
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text, update
from sqlmodel import col, select

from bot.clock import Clock, ManualClock, SystemClock
from bot.core.dedupe import FORGET_PER_STATEMENT, EventDedupe
from bot.core.event_seal import (
    SMALLEST_FREE_TEXT_SEALED_BYTES,
    SMALLEST_PUBLIC_SEALED_BYTES,
    SMALLEST_SEALED_BYTES,
    EventSeal,
)
from bot.core.inbound_queue import EVENT_JSON, UNREADABLE_RETRY_SECONDS, InboundQueue
from bot.core.types import ActionEvent, ConversationRef, InboundMessage, UserRef
from bot.db.database import QUICK_INSERT_MMAP_BYTES, Database
from bot.db.inbound_file import inbound_database
from bot.db.models import InboundEventKey
from bot.features.pulse.questions import MAX_TEXT_ANSWER_LENGTH
from bot.secret_key import SecretKey

SEAL_OVERHEAD = 12 + 16  # AES-GCM's nonce and tag


def queue_of(
    database: Database, clock: Clock | None = None, secret: str = "inbound-queue-test-key"
) -> InboundQueue:
    seal = EventSeal(SecretKey(secret, str(database.url)))
    return InboundQueue(inbound_database(database), clock or SystemClock(), seal)


def on_a_manual_clock(database_url: str) -> tuple[Database, ManualClock, InboundQueue]:
    """The database, a clock the test moves, and the queue on that clock."""
    database = Database(database_url)
    clock = ManualClock(datetime(2026, 12, 5, 12, 0, tzinfo=UTC))
    return database, clock, queue_of(database, clock)


def on_a_sqlite_file(database_url: str, why: str) -> tuple[Database, Database, InboundQueue]:
    """The database, the inbound queue's file and the queue; the test is skipped (`why`) on PostgreSQL."""
    database = Database(database_url)
    side = inbound_database(database)
    if not side.is_sqlite_file:
        pytest.skip(why)
    return database, side, queue_of(database)


def message(n: int) -> InboundMessage:
    return InboundMessage(
        event_id=f"Ev{n}",
        conversation=ConversationRef(platform="slack", workspace="T1", channel=f"C{n % 3}"),
        user=UserRef(platform="slack", workspace="T1", user_id="U1"),
        text=f"question {n}",
        mentions_bot=True,
    )


async def test_concurrent_deliveries_are_stored_together_and_once_per_key(database_url: str) -> None:
    database = Database(database_url)
    queue = queue_of(database)
    try:
        firsts = await asyncio.gather(*(queue.store(f"k{n}", "slack", message(n)) for n in range(20)))
        again = await asyncio.gather(*(queue.store("k0", "slack", message(0)) for _ in range(3)))
    finally:
        await queue.close()
        await database.dispose()
    assert all(firsts)
    assert again == [False, False, False]


async def test_each_stored_event_is_leased_to_one_process_oldest_first(database_url: str) -> None:
    database = Database(database_url)
    queue = queue_of(database)
    try:
        for n in range(6):
            await queue.store(f"k{n}", "slack", message(n))
        first = await queue.lease("host:1", 4)
        second = await queue.lease("host:2", 4)
        third = await queue.lease("host:3", 4)
        # The first process is gone: what it held goes to the next one that asks.
        taken_over = await queue.lease("host:3", 10, abandoned_by=["host:1"])
    finally:
        await queue.close()
        await database.dispose()
    assert [e.key for e in first] == ["k0", "k1", "k2", "k3"]
    assert [e.key for e in second] == ["k4", "k5"]
    assert third == []
    assert [e.event for e in first] == [message(n) for n in range(4)]
    assert sorted(e.key for e in taken_over) == ["k0", "k1", "k2", "k3"]


async def test_processes_leasing_at_once_each_get_different_events_and_together_all(
    database_url: str,
) -> None:
    # Four processes (each its own connections) lease a few at a time, all at once, until the queue is empty.
    databases = [Database(database_url) for _ in range(4)]
    queues = [queue_of(database) for database in databases]
    try:
        await asyncio.gather(*(queues[0].store(f"k{n:03d}", "slack", message(n)) for n in range(120)))

        async def drain(queue: InboundQueue, owner: str) -> list[str]:
            taken: list[str] = []
            while leased := await queue.lease(owner, 7):
                taken += [event.key for event in leased]
            return taken

        takes = await asyncio.gather(*(drain(queue, f"host:{n}") for n, queue in enumerate(queues)))
    finally:
        for queue in queues:
            await queue.close()
        for database in databases:
            await database.dispose()
    every = [key for taken in takes for key in taken]
    assert sorted(every) == [f"k{n:03d}" for n in range(120)]  # each once, none left behind


async def test_a_renewed_lease_outlasts_the_lease_and_a_released_one_is_leased_again_at_once(
    database_url: str,
) -> None:
    database, clock, queue = on_a_manual_clock(database_url)  # leases of 60 s
    try:
        for n in range(3):
            await queue.store(f"k{n}", "slack", message(n))
        held = await queue.lease("host:1", 3)
        clock.advance(timedelta(seconds=40))
        await queue.renew("host:1", ["k0", "k1"])
        await queue.release("host:1", ["k2"])
        released = await queue.lease("host:2", 3)
        clock.advance(timedelta(seconds=40))  # 80 s after the lease: k0 and k1 only because they were renewed
        renewed = await queue.lease("host:2", 3)
        clock.advance(timedelta(seconds=61))  # every lease lapsed: renewed or not
        lapsed = await queue.lease("host:3", 3)
    finally:
        await queue.close()
        await database.dispose()
    assert [e.key for e in held] == ["k0", "k1", "k2"]
    assert [e.key for e in released] == ["k2"]
    assert renewed == []
    assert [e.key for e in lapsed] == ["k0", "k1", "k2"]


async def test_failed_tries_are_counted_in_the_row_whichever_process_leases_it_next(
    database_url: str,
) -> None:
    database, clock, queue = on_a_manual_clock(database_url)
    try:
        await queue.store("k0", "slack", message(0))
        first = await queue.lease("host:1", 1)
        assert await queue.retry_later("host:1", "k0", 30)
        too_soon = await queue.lease("host:2", 1)
        clock.advance(timedelta(seconds=31))
        second = await queue.lease("host:2", 1)
        assert await queue.retry_later("host:2", "k0", 60)
        clock.advance(timedelta(seconds=61))
        third = await queue.lease("host:3", 1)
        # A process whose lease lapsed counts nothing: the event is another's now.
        assert not await queue.retry_later("host:1", "k0", 30)
    finally:
        await queue.close()
        await database.dispose()
    assert [e.tries for e in first] == [0]
    assert too_soon == []
    assert [e.tries for e in second] == [1]
    assert [e.tries for e in third] == [2]


async def test_an_event_is_given_up_only_by_the_process_that_holds_it(database_url: str) -> None:
    database, clock, queue = on_a_manual_clock(database_url)
    try:
        await queue.store("k0", "slack", message(0))
        await queue.store("k1", "slack", message(1))
        await queue.lease("host:1", 2)
        clock.advance(timedelta(seconds=61))  # host:1 hung past its lease; host:2 took both over
        await queue.lease("host:2", 2)
        await EventDedupe(inbound_database(database), clock).complete("k1")  # host:2 answered k1
        late = [await queue.give_up("host:1", key) for key in ("k0", "k1")]
        # The redelivery of a completed event is still recognised: its key was kept.
        redelivered = await queue.store("k1", "slack", message(1))
        held = await queue.give_up("host:2", "k0")
        fresh_again = await queue.store("k0", "slack", message(0))
    finally:
        await queue.close()
        await database.dispose()
    assert late == [False, False]
    assert redelivered is False
    assert held is True
    assert fresh_again is True  # given up: a redelivery of it is handled


async def test_keys_older_than_a_day_are_forgotten_a_slice_at_a_time_and_newer_ones_kept(
    database_url: str,
) -> None:
    database, clock, queue = on_a_manual_clock(database_url)
    dedupe = EventDedupe(inbound_database(database), clock)
    day_old = FORGET_PER_STATEMENT + 500
    try:
        async with inbound_database(database).session() as session:
            session.add_all(
                InboundEventKey(key=f"old{n}", claimed_at=clock.now(), completed=True) for n in range(day_old)
            )
        clock.advance(timedelta(days=1, minutes=1))
        await queue.store("new0", "slack", message(0))
        forgotten = await dedupe.forget_old()
        async with inbound_database(database).session() as session:
            kept = set((await session.execute(select(InboundEventKey.key))).scalars())
    finally:
        await queue.close()
        await database.dispose()
    assert forgotten == day_old
    assert kept == {"new0"}


async def test_a_stored_event_is_sealed_and_padded_in_the_table(database_url: str) -> None:
    database = Database(database_url)
    queue = queue_of(database)
    try:
        await queue.store("short", "slack", message(1))
        long = message(2).model_copy(update={"text": "a comment several KiB long " * 200})
        await queue.store("long", "slack", long)
        async with inbound_database(database).session() as session:
            rows = {
                row.key: row.payload or ""
                for row in (await session.execute(select(InboundEventKey))).scalars()
            }
        leased = await queue.lease("host:1", 10)
    finally:
        await queue.close()
        await database.dispose()
    stored = base64.b64decode(rows["short"])
    assert b"question 1" not in stored and b'"user_id":"U1"' not in stored
    assert len(stored) == SMALLEST_PUBLIC_SEALED_BYTES + SEAL_OVERHEAD  # a channel mention's size class
    assert len(rows["long"]) > len(rows["short"])
    assert [e.event for e in leased] == [message(1), long]


async def test_whatever_may_carry_a_pulse_answer_is_stored_at_one_size_whatever_its_length(
    database_url: str,
) -> None:
    """A reader of the table must not tell the longest comment a pulse takes from a score by the size of its
    sealed event, whatever its characters (an emoji is 4 bytes, a control character 6 as escaped JSON)."""
    dm = ConversationRef(platform="slack", workspace="T1", channel="D1", is_direct=True)
    person = UserRef(platform="slack", workspace="T1", user_id="U1")
    emoji, escaped = "\U0001f600" * MAX_TEXT_ANSWER_LENGTH, "\x01" * MAX_TEXT_ANSWER_LENGTH
    typed = {
        "dm-score": InboundMessage(event_id="e1", conversation=dm, user=person, text="7", is_direct=True),
        "dm-comment": InboundMessage(event_id="e2", conversation=dm, user=person, text=emoji, is_direct=True),
        "command": InboundMessage(
            event_id="e3", conversation=dm, user=person, text=f"pulse comment {escaped}", is_command=True
        ),
        "form": ActionEvent(
            event_id="e5",
            conversation=None,
            user=person,
            action_id="pulse_text",
            form_values={"answer": escaped},
            source="form_submit",
        ),
    }
    answers = {
        **typed,
        "click": ActionEvent(
            event_id="e4", conversation=dm, user=person, action_id="pulse_answer", value="9"
        ),
    }
    database = Database(database_url)
    queue = queue_of(database)
    try:
        for key, event in answers.items():
            await queue.store(key, "slack", event)
        await queue.store("mention", "slack", message(1))
        async with inbound_database(database).session() as session:
            sizes = {
                row.key: len(base64.b64decode(row.payload or ""))
                for row in (await session.execute(select(InboundEventKey))).scalars()
            }
    finally:
        await queue.close()
        await database.dispose()
    assert {sizes[key] for key in typed} == {SMALLEST_FREE_TEXT_SEALED_BYTES + SEAL_OVERHEAD}
    assert sizes["click"] == SMALLEST_SEALED_BYTES + SEAL_OVERHEAD
    assert sizes["mention"] == SMALLEST_PUBLIC_SEALED_BYTES + SEAL_OVERHEAD


async def test_an_event_sealed_under_another_key_is_left_to_others_and_does_not_hold_back_the_rest(
    database_url: str,
) -> None:
    database = Database(database_url)
    clock = ManualClock(datetime(2026, 12, 5, 12, 0, tzinfo=UTC))
    before_rotation = queue_of(database, clock)
    after_rotation = queue_of(database, clock, secret="a-new-secret-key")
    try:
        await before_rotation.store("old", "slack", message(1))
        await after_rotation.store("new", "slack", message(2))
        first = await after_rotation.lease("host:new", 10)
        at_once = await before_rotation.lease("host:old", 10)
        clock.advance(timedelta(seconds=UNREADABLE_RETRY_SECONDS + 1))
        later = await before_rotation.lease("host:old", 10)
    finally:
        await before_rotation.close()
        await after_rotation.close()
        await database.dispose()
    assert [e.key for e in first] == ["new"]
    assert at_once == []
    assert [e.event for e in later] == [message(1)]  # a process holding its key handles it


async def test_an_event_stored_in_plain_json_by_an_earlier_version_is_still_handled(
    database_url: str,
) -> None:
    database = Database(database_url)
    queue = queue_of(database)
    try:
        await queue.store("k1", "slack", message(1))
        async with inbound_database(database).session() as session:
            await session.execute(
                update(InboundEventKey)
                .where(col(InboundEventKey.key) == "k1")
                .values(payload=EVENT_JSON.dump_json(message(1)).decode())
            )
        leased = await queue.lease("host:1", 10)
    finally:
        await queue.close()
        await database.dispose()
    assert [e.event for e in leased] == [message(1)]


async def test_a_queue_file_an_earlier_version_made_gets_the_newer_columns_and_keeps_its_events(
    database_url: str,
) -> None:
    database, side, queue = on_a_sqlite_file(
        database_url, "PostgreSQL's table is migrated (clueline db upgrade)"
    )
    await queue.close()
    assert side.url.database
    # The file as the version before the tries column left it: its table, and an event waiting in it.
    earlier = sqlite3.connect(side.url.database)
    earlier.execute(
        "CREATE TABLE inbound_event (key VARCHAR(255) NOT NULL PRIMARY KEY, claimed_at DATETIME NOT NULL, "
        "completed BOOLEAN NOT NULL, platform VARCHAR(16), payload TEXT, leased_by VARCHAR(255), "
        "leased_until DATETIME)"
    )
    earlier.execute(
        "INSERT INTO inbound_event VALUES ('k1', '2026-12-05 12:00:00.000000', 0, 'slack', ?, NULL, NULL)",
        (EVENT_JSON.dump_json(message(1)).decode(),),
    )
    earlier.commit()
    earlier.close()
    queue = queue_of(database)
    try:
        assert await queue.store("k2", "slack", message(2))
        leased = await queue.lease("host:1", 10)
        assert await queue.retry_later("host:1", "k1", 0)
        again = await queue.lease("host:1", 10)
    finally:
        await queue.close()
        await database.dispose()
    assert [(e.key, e.event, e.tries) for e in leased] == [("k1", message(1), 0), ("k2", message(2), 0)]
    assert [(e.key, e.tries) for e in again] == [("k1", 1)]


async def test_the_store_connection_dropped_by_the_server_is_made_again_and_nothing_is_lost(
    postgres_url: str,
) -> None:
    database = Database(postgres_url)
    queue = queue_of(database)
    try:
        assert await queue.store("before", "slack", message(1))
        async with database.session() as session:  # a failover, an idle timeout, a DBA: the server ends it
            await session.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
        assert await queue.store("after", "slack", message(2))
        leased = await queue.lease("host:1", 10)
    finally:
        await queue.close()
        await database.dispose()
    assert [e.key for e in leased] == ["before", "after"]


async def test_a_store_waits_for_another_process_holding_the_file_and_then_stores(database_url: str) -> None:
    database, side, queue = on_a_sqlite_file(database_url, "only a SQLite file has one writer at a time")
    try:
        await queue.store("k0", "slack", message(0))  # the file and its table now exist
        other = sqlite3.connect(str(side.url.database), isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another process writing: it holds the file's write lock
        before = datetime.now(UTC)
        storing = asyncio.create_task(queue.store("k1", "slack", message(1)))
        await asyncio.sleep(0.2)
        assert not storing.done(), "stored while another process held the write lock"
        other.execute("COMMIT")
        other.close()
        assert await storing is True
        async with side.session() as session:
            claimed_at = (
                await session.execute(
                    select(InboundEventKey.claimed_at).where(col(InboundEventKey.key) == "k1")
                )
            ).scalar_one()
        leased = await queue.lease("host:1", 10)
    finally:
        await queue.close()
        await database.dispose()
    # Written by the ack's own connection, read back by the engine as every other row.
    assert claimed_at.tzinfo is not None and before <= claimed_at <= datetime.now(UTC)
    assert [(e.key, e.event) for e in leased] == [("k0", message(0)), ("k1", message(1))]


def write_lock_held_throughout(path: str, seconds: float) -> bool:
    """Whether another connection holds the file's write lock for the whole of `seconds` (the loop kept busy)."""
    ack = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        until = time.monotonic() + seconds
        while time.monotonic() < until:
            try:
                ack.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError:
                time.sleep(0.001)
                continue
            ack.execute("ROLLBACK")
            return False
        return True
    finally:
        ack.close()


async def test_the_acks_never_wait_for_a_leasing_process_to_come_back_for_its_rows(database_url: str) -> None:
    # A niced process on a busy machine may not run again for milliseconds. The lease's write must not hold
    # the file's lock (which every ack needs) across that wait: here the event loop is kept busy for 0.2 s at a
    # time, between single steps of the lease, and the lock must come free meanwhile each time.
    database, side, queue = on_a_sqlite_file(database_url, "only a SQLite file has one writer at a time")
    try:
        for n in range(3):
            await queue.store(f"k{n}", "slack", message(n))
        leasing = asyncio.create_task(queue.lease("host:1", 10))
        blocked_acks = 0
        while not leasing.done():
            blocked_acks += write_lock_held_throughout(str(side.url.database), 0.2)
            await asyncio.sleep(0)
        leased = await leasing
        renewing = asyncio.create_task(queue.renew("host:1", [event.key for event in leased]))
        while not renewing.done():
            blocked_acks += write_lock_held_throughout(str(side.url.database), 0.2)
            await asyncio.sleep(0)
        kept = await renewing
    finally:
        await queue.close()
        await database.dispose()
    assert blocked_acks == 0
    assert [event.key for event in leased] == ["k0", "k1", "k2"]
    assert kept == {"k0", "k1", "k2"}


async def test_the_acks_connection_maps_the_file_and_still_sees_what_other_processes_stored(
    database_url: str,
) -> None:
    database, side, queue = on_a_sqlite_file(
        database_url, "only a SQLite file is read through the ack's own connection"
    )
    try:
        assert await queue.store("k0", "slack", message(0))  # the ack's connection now maps the file
        mapped = side.blocking_sqlite_connection()
        assert mapped.execute("PRAGMA mmap_size").fetchone()[0] == QUICK_INSERT_MMAP_BYTES
        mapped.close()
        # Another serve process stores the same event's redelivery first, through a connection of its own.
        other = queue_of(database)
        assert await other.store("k1", "slack", message(1))
        await other.close()
        assert await queue.store("k1", "slack", message(1)) is False
        assert await queue.store("k2", "slack", message(2)) is True
        leased = await queue.lease("host:1", 10)
    finally:
        await queue.close()
        await database.dispose()
    assert [e.key for e in leased] == ["k0", "k1", "k2"]


async def test_the_ack_writes_its_times_in_the_text_the_engine_writes_and_compares(database_url: str) -> None:
    database = Database(database_url)
    side = inbound_database(database)
    if not side.is_sqlite_file:
        pytest.skip("only a SQLite file's acks are written outside the engine")
    on_the_second = datetime(2026, 12, 5, 21, 0, 0, tzinfo=UTC)  # no microseconds: the form that differed
    queue = queue_of(database, clock=ManualClock(on_the_second))
    try:
        await queue.store("by-the-ack", "slack", message(0))
        async with side.session() as session:
            session.add(InboundEventKey(key="by-the-engine", claimed_at=on_the_second))
        async with side.session() as session:
            stored = dict(
                (await session.execute(text("SELECT key, claimed_at FROM inbound_event"))).tuples().all()
            )
            # SQLite compares times as text: both rows must sit on the same side of the same instant.
            not_before = (
                (
                    await session.execute(
                        select(col(InboundEventKey.key)).where(
                            col(InboundEventKey.claimed_at) >= on_the_second
                        )
                    )
                )
                .scalars()
                .all()
            )
    finally:
        await queue.close()
        await database.dispose()
    assert stored["by-the-ack"] == stored["by-the-engine"] == "2026-12-05 21:00:00.000000"
    assert sorted(not_before) == ["by-the-ack", "by-the-engine"]


async def test_a_value_too_long_for_its_column_is_refused_not_cut_short(postgres_url: str) -> None:
    database = Database(postgres_url)
    queue = queue_of(database)
    try:
        with pytest.raises(Exception, match="too long"):
            await queue.store("k-long", "a-platform-name-too-long", message(1))
        assert await queue.store("k-ok", "slack", message(2))  # the store goes on
        async with inbound_database(database).session() as session:
            keys = (await session.execute(select(col(InboundEventKey.key)))).scalars().all()
    finally:
        await queue.close()
        await database.dispose()
    assert keys == ["k-ok"]
