"""The worker keeps the platform busy: the next batch is claimed while one sends, and never claimed twice."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from bot.clock import ManualClock
from bot.core.types import ConversationRef, OutboundMessage, SentMessage
from bot.db.models import OutboxMessage
from bot.runtime import Runtime, build_runtime
from bot.settings import Settings
from tests.support.recording import RecordingAdapter

CHANNEL = ConversationRef(platform="slack", workspace="T1", channel="C1")
START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


class GatedAdapter(RecordingAdapter):
    """Holds each send of a text until its gate opens."""

    def __init__(self) -> None:
        super().__init__("slack")
        self.gates: dict[str, asyncio.Event] = {}
        self.waiting: list[str] = []

    def gate(self, text: str) -> asyncio.Event:
        return self.gates.setdefault(text, asyncio.Event())

    async def send(self, conversation: ConversationRef, message: OutboundMessage) -> SentMessage:
        self.waiting.append(message.text)
        await self.gate(message.text).wait()
        return await super().send(conversation, message)


@pytest.fixture
async def runtime(settings: Settings) -> AsyncIterator[Runtime]:
    runtime = build_runtime(settings, clock=ManualClock(START))
    runtime.adapters["slack"] = GatedAdapter()
    yield runtime
    await runtime.database.dispose()


def gated(runtime: Runtime) -> GatedAdapter:
    adapter = runtime.adapters["slack"]
    assert isinstance(adapter, GatedAdapter)
    return adapter


async def queue(runtime: Runtime, *texts: str) -> None:
    async with runtime.database.session() as session:
        for text in texts:
            await runtime.outbox.enqueue(session, OutboundMessage.plain(text), conversation=CHANNEL)


async def count(runtime: Runtime, status: str) -> int:
    async with runtime.database.session() as session:
        found = await session.scalar(
            select(func.count()).select_from(OutboxMessage).where(col(OutboxMessage.status) == status)
        )
    return int(found or 0)


async def eventually(check: object, timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():  # type: ignore[operator]
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


async def test_the_next_batch_is_claimed_while_the_current_one_sends(runtime: Runtime) -> None:
    await queue(runtime, *(f"m{n}" for n in range(6)))
    stop = asyncio.Event()
    worker = asyncio.create_task(runtime.worker(batch_size=2).run(stop, poll_seconds=0.01))

    async def two_batches_claimed() -> bool:
        return await count(runtime, "sending") == 4

    await eventually(two_batches_claimed)
    assert await count(runtime, "pending") == 2, "at most two batches are claimed at once"
    for text in (f"m{n}" for n in range(6)):
        gated(runtime).gate(text).set()

    async def all_sent() -> bool:
        return await count(runtime, "sent") == 6

    await eventually(all_sent)
    stop.set()
    await worker
    assert sorted(gated(runtime).texts()) == [f"m{n}" for n in range(6)]


async def test_rows_still_sending_are_not_claimed_again_when_their_lease_runs_out(runtime: Runtime) -> None:
    await queue(runtime, "first", "second")
    stop = asyncio.Event()
    worker = asyncio.create_task(runtime.worker(batch_size=1).run(stop, poll_seconds=0.01))

    async def both_waiting() -> bool:
        return sorted(gated(runtime).waiting) == ["first", "second"]

    await eventually(both_waiting)
    # "second" waits for its turn (a rate limit, say) until its lease has run out.
    clock = runtime.clock
    assert isinstance(clock, ManualClock)
    clock.advance(timedelta(seconds=runtime.settings.outbox_lease_seconds + 1))
    gated(runtime).gate("first").set()

    async def first_sent() -> bool:
        return await count(runtime, "sent") == 1

    await eventually(first_sent)
    await asyncio.sleep(0.1)  # the worker looks for due rows again meanwhile
    gated(runtime).gate("second").set()

    async def all_sent() -> bool:
        return await count(runtime, "sent") == 2

    await eventually(all_sent)
    stop.set()
    await worker
    assert gated(runtime).texts() == ["first", "second"], "each row was sent once"


async def test_a_held_row_is_left_to_its_holder_but_another_worker_may_resume_it(runtime: Runtime) -> None:
    await queue(runtime, "in flight")
    [entry] = await runtime.outbox.claim("w1", 10)
    clock = runtime.clock
    assert isinstance(clock, ManualClock)
    clock.advance(timedelta(seconds=runtime.settings.outbox_lease_seconds + 1))
    assert await runtime.outbox.claim("w1", 10, holding={entry.id}) == []
    [resumed] = await runtime.outbox.claim("w2", 10)
    assert resumed.id == entry.id and resumed.resumed
