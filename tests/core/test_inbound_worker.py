"""The inbound worker: a conversation's burst takes a few slots and waits its turn; the others go on."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import update

from bot.clock import SystemClock
from bot.core import inbound_worker
from bot.core.event_seal import EventSeal
from bot.core.inbound_queue import InboundQueue
from bot.core.inbound_worker import PER_CONVERSATION, InboundWorker
from bot.core.reply_lanes import ReplyLanes
from bot.core.types import ConversationRef, InboundEvent, InboundMessage, UserRef
from bot.db.database import Database
from bot.db.inbound_file import TABLE, inbound_database
from bot.secret_key import SecretKey
from tests.support.dead_processes import dead_pid, name_of
from tests.support.waiting import until


def mention(event_id: str, channel: str) -> InboundMessage:
    return InboundMessage(
        event_id=event_id,
        conversation=ConversationRef(platform="slack", workspace="T1", channel=channel),
        user=UserRef(platform="slack", workspace="T1", user_id="U1"),
        text="thanks!",
        mentions_bot=True,
    )


class GatedDispatcher:
    """Handles an event by waiting until the test lets it finish; records the order events started in."""

    def __init__(self) -> None:
        self.started: list[str] = []
        self._gates: dict[str, asyncio.Event] = {}

    async def handle_stored(
        self, event: InboundEvent, _adapter: object, _key: str | None = None, **_resumed: object
    ) -> None:
        self.started.append(event.event_id)
        await self._gates.setdefault(event.event_id, asyncio.Event()).wait()

    def finish(self, event_id: str) -> None:
        self._gates.setdefault(event_id, asyncio.Event()).set()

    def finish_all(self) -> None:
        for event_id in self.started:
            self.finish(event_id)


@asynccontextmanager
async def worker_on(
    database_url: str, concurrency: int, lease: timedelta = timedelta(seconds=60)
) -> AsyncIterator[tuple[InboundWorker, InboundQueue, GatedDispatcher, Database]]:
    database = Database(database_url)
    seal = EventSeal(SecretKey("inbound-worker-test-key", str(database.url)))
    queue = InboundQueue(inbound_database(database), SystemClock(), seal, lease=lease)
    dispatcher = GatedDispatcher()
    runtime = SimpleNamespace(
        inbound=queue, adapters={"slack": object()}, reply_lanes=ReplyLanes(), dispatcher=dispatcher
    )
    worker = InboundWorker(runtime, name="host:1", concurrency=concurrency)  # type: ignore[arg-type]
    try:
        yield worker, queue, dispatcher, database
    finally:
        for _ in range(20):  # each finished event may start a held one: let them all run out
            dispatcher.finish_all()
            await asyncio.sleep(0.02)
        await queue.close()
        await database.dispose()


async def test_a_flood_in_one_conversation_is_held_then_deferred_and_another_conversation_starts_at_once(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inbound_worker, "HELD_PER_SLOT", 1)  # 4 slots: 4 held at most
    async with worker_on(database_url, concurrency=4) as (worker, queue, dispatcher, _database):
        for n in range(10):
            await queue.store(f"a{n}", "slack", mention(f"A{n}", "C-noisy"))
        await queue.store("b0", "slack", mention("B0", "C-quiet"))
        await worker.run_once()
        await until(lambda: len(dispatcher.started) == PER_CONVERSATION + 1)
        assert dispatcher.started == [f"A{n}" for n in range(PER_CONVERSATION)] + ["B0"]
        # A3 to A6 are held here; A7 to A9 went back to the queue for later: nobody may take them now.
        assert await queue.lease("host:2", 10) == []
        dispatcher.finish("A0")
        await until(lambda: len(dispatcher.started) == 5)
        assert dispatcher.started[-1] == "A3"  # the conversation's next, in order, in the slot A0 freed


async def test_a_held_event_whose_lease_went_to_another_process_is_not_handled_here_too(
    database_url: str,
) -> None:
    async with worker_on(database_url, concurrency=4, lease=timedelta(seconds=3)) as (
        worker,
        queue,
        dispatcher,
        database,
    ):
        for n in range(PER_CONVERSATION + 1):
            await queue.store(f"a{n}", "slack", mention(f"A{n}", "C-noisy"))
        stop = asyncio.Event()
        running = asyncio.create_task(worker.run(stop, poll_seconds=0.05))
        await until(lambda: len(dispatcher.started) == PER_CONVERSATION)
        last = f"a{PER_CONVERSATION}"
        await asyncio.sleep(
            4
        )  # past the first lease, renewed meanwhile: the held event's is still this process's
        assert await queue.lease("host:2", 10) == []
        # Its lease lapsed meanwhile (a database failover stopped the renewals) and another process took it.
        async with inbound_database(database).one_statement_transactions() as conn:
            await conn.execute(
                update(TABLE)
                .where(TABLE.c.key == last)
                .values(leased_by="host:2", leased_until=datetime.now(UTC) + timedelta(hours=1))
            )
        await asyncio.sleep(1.5)  # the next renewal (every second) finds it gone
        dispatcher.finish("A0")
        await asyncio.sleep(0.3)
        stop.set()
        dispatcher.finish_all()
        await running
    assert f"A{PER_CONVERSATION}" not in dispatcher.started


async def test_what_a_stopping_worker_held_is_leased_by_the_next_process_at_once(database_url: str) -> None:
    async with worker_on(database_url, concurrency=4) as (worker, queue, dispatcher, _database):
        for n in range(PER_CONVERSATION + 2):
            await queue.store(f"a{n}", "slack", mention(f"A{n}", "C-noisy"))
        stop = asyncio.Event()
        running = asyncio.create_task(worker.run(stop, poll_seconds=0.05))
        await until(lambda: len(dispatcher.started) == PER_CONVERSATION)
        stop.set()
        dispatcher.finish_all()
        await running
        taken = await queue.lease("host:2", 10)
    assert [stored.key for stored in taken] == [f"a{PER_CONVERSATION}", f"a{PER_CONVERSATION + 1}"]


@pytest.mark.skipif(not os.path.exists("/proc/self/ns/pid"), reason="needs Linux's /proc")
async def test_what_a_process_that_died_on_this_machine_held_is_taken_over_without_waiting_its_lease(
    database_url: str,
) -> None:
    async with worker_on(database_url, concurrency=4) as (worker, queue, dispatcher, _database):
        await queue.store("k0", "slack", mention("E0", "C1"))
        await queue.store("k1", "slack", mention("E1", "C2"))
        await queue.store("k2", "slack", mention("E2", "C3"))
        assert len(await queue.lease(name_of(dead_pid()), 2)) == 2  # killed with two events, leased 60 s
        assert len(await queue.lease("another-host:7", 1)) == 1  # alive, as far as this machine can tell
        looks = 0
        leaseholders = queue.leaseholders

        async def counted_leaseholders() -> list[str]:
            nonlocal looks
            looks += 1
            return await leaseholders()

        queue.leaseholders = counted_leaseholders  # type: ignore[method-assign]
        stop = asyncio.Event()
        running = asyncio.create_task(worker.run(stop, poll_seconds=0.05))
        await until(lambda: sorted(dispatcher.started) == ["E0", "E1"])
        await asyncio.sleep(0.5)  # the worker leases again and again meanwhile (a poll every 0.05 s)
        stop.set()
        dispatcher.finish_all()
        await running
    assert sorted(dispatcher.started) == ["E0", "E1"]  # the live process's event waits for its lease
    assert looks == 1  # the rows under way read once, not at every lease


async def test_a_look_at_the_queue_ends_when_what_it_deferred_comes_back(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inbound_worker, "HELD_PER_SLOT", 1)
    monkeypatch.setattr(inbound_worker, "DEFER_SECONDS", 0.05)  # back before the flood is gone through
    async with worker_on(database_url, concurrency=4) as (worker, queue, dispatcher, _database):
        for n in range(100):
            await queue.store(f"a{n:03d}", "slack", mention(f"A{n}", "C-noisy"))
        await asyncio.wait_for(worker.run_once(), timeout=20)
        await until(lambda: len(dispatcher.started) == PER_CONVERSATION)


async def test_a_flood_of_acks_holds_off_new_leases_for_a_moment_and_only_every_other_moment(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inbound_worker, "HOLD_OFF_SECONDS", 2.0)
    async with worker_on(database_url, concurrency=4) as (worker, queue, dispatcher, _database):
        stop = asyncio.Event()
        running = asyncio.create_task(worker.run(stop, poll_seconds=0.05))
        loop = asyncio.get_running_loop()

        async def store(key: str, channel: str, flood: bool) -> float:
            await queue.store(key, "slack", mention(key.upper(), channel))
            worker.stored(flood=flood)  # as serve's commit tells it
            return loop.time()

        await store("a", "C-a", flood=False)
        await until(lambda: dispatcher.started == ["A"])  # a quiet commit: leased at once
        flooded_at = await store("b", "C-b", flood=True)
        await asyncio.sleep(0.5)
        assert dispatcher.started == ["A"]  # the acks first: nothing new leased meanwhile
        await until(lambda: dispatcher.started == ["A", "B"])
        assert loop.time() - flooded_at >= 2.0
        # A flood again at once: the answering keeps at least every other stretch, so this one is leased now.
        again_at = await store("c", "C-c", flood=True)
        await until(lambda: dispatcher.started == ["A", "B", "C"])
        assert loop.time() - again_at < 1.5
        stop.set()
        dispatcher.finish_all()
        await running
