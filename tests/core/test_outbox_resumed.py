"""A row resumed after its worker died mid-send: where the platform can look its history up, the send that
already went out is found and nothing is posted twice; where the lookup cannot answer, the row still goes out."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlmodel import col

from bot.clock import ManualClock
from bot.core.errors import PermanentSendError, RetryableSendError
from bot.core.types import ConversationRef, OutboundMessage, SentMessage
from bot.db.models import OutboxMessage
from bot.runtime import Runtime, build_runtime
from bot.settings import Settings
from tests.support.recording import RecordingAdapter

CHANNEL = ConversationRef(platform="slack", workspace="T1", channel="C1")
START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


class HistoryAdapter(RecordingAdapter):
    """A recording platform that can look its own posts up by delivery key (the DeliveryLookup capability)."""

    def __init__(self) -> None:
        super().__init__("slack")
        self.posted: dict[str, SentMessage] = {}  # delivery key -> the message it posted
        self.lookups: list[tuple[str, datetime]] = []
        self.lookup_failure: Exception | None = None

    async def send(self, conversation: ConversationRef, message: OutboundMessage) -> SentMessage:
        sent = await super().send(conversation, message)
        if message.delivery_key:
            self.posted[message.delivery_key] = sent
        return sent

    async def find_delivered(
        self, conversation: ConversationRef, key: str, since: datetime
    ) -> SentMessage | None:
        self.lookups.append((key, since))
        if self.lookup_failure is not None:
            raise self.lookup_failure
        return self.posted.get(key)


@pytest.fixture
def history() -> HistoryAdapter:
    """The platform the runtime sends to."""
    return HistoryAdapter()


@pytest.fixture
async def runtime(settings: Settings, history: HistoryAdapter) -> AsyncIterator[Runtime]:
    runtime = build_runtime(settings, clock=ManualClock(START))
    runtime.adapters["slack"] = history
    yield runtime
    await runtime.database.dispose()


def advance(runtime: Runtime, seconds: float) -> None:
    assert isinstance(runtime.clock, ManualClock)
    runtime.clock.advance(timedelta(seconds=seconds))


async def row(runtime: Runtime) -> OutboxMessage:
    async with runtime.database.session() as session:
        return (await session.execute(select(OutboxMessage).order_by(col(OutboxMessage.id)))).scalars().one()


async def died_after_posting(runtime: Runtime, text: str) -> SentMessage:
    """Queue a row; a worker claims it, posts it with its key, and dies before recording it."""
    async with runtime.database.session() as session:
        await runtime.outbox.enqueue(session, OutboundMessage.plain(text), conversation=CHANNEL)
    [entry] = await runtime.outbox.claim("dead-worker", 10)
    message = OutboundMessage.plain(text).model_copy(update={"delivery_key": entry.delivery_key})
    sent = await runtime.adapters["slack"].send(CHANNEL, message)
    advance(runtime, runtime.settings.outbox_lease_seconds + 1)
    return sent


async def test_a_fresh_row_is_posted_with_its_delivery_key_and_not_looked_up(
    runtime: Runtime, history: HistoryAdapter
) -> None:
    async with runtime.database.session() as session:
        row_id = await runtime.outbox.enqueue(session, OutboundMessage.plain("hello"), conversation=CHANNEL)
    await runtime.worker().run_once()
    [(_, message)] = history.sent
    assert message.delivery_key == f"outbox-{row_id}"
    assert history.lookups == []


async def test_a_resumed_row_whose_post_went_out_is_recorded_with_that_post_and_not_posted_again(
    runtime: Runtime, history: HistoryAdapter
) -> None:
    first = await died_after_posting(runtime, "in flight")
    await runtime.worker().run_once()
    assert history.texts() == ["in flight"]
    [(key, since)] = history.lookups
    assert since == START, "looked up from when the row fell due"
    stored = await row(runtime)
    assert (stored.status, stored.sent_message_id) == ("sent", first.message_id)
    assert key == f"outbox-{stored.id}"


async def test_a_lookup_held_back_by_the_rate_limit_waits_and_looks_again_instead_of_posting(
    runtime: Runtime, history: HistoryAdapter
) -> None:
    await died_after_posting(runtime, "in flight")
    history.lookup_failure = RetryableSendError("slack conversations.history: rate limited", 30)
    worker = runtime.worker()
    await worker.run_once()
    assert history.texts() == ["in flight"], "not posted blind"
    assert (await row(runtime)).status == "sending"
    advance(runtime, 29)
    assert await worker.run_once() == 0, "nothing is looked up inside the wait"
    history.lookup_failure = None
    advance(runtime, 2)
    await worker.run_once()
    assert history.texts() == ["in flight"]
    assert len(history.lookups) == 2
    assert (await row(runtime)).status == "sent"


async def test_a_lookup_that_fails_otherwise_posts_the_row_at_least_once(
    runtime: Runtime, history: HistoryAdapter
) -> None:
    await died_after_posting(runtime, "in flight")
    history.posted.clear()  # the platform cannot tell (e.g. a missing scope): the row goes out again
    history.lookup_failure = PermanentSendError("missing_scope")
    await runtime.worker().run_once()
    assert history.texts() == ["in flight", "in flight"]
    assert (await row(runtime)).status == "sent"


async def test_a_platform_that_cannot_look_up_still_sends_a_resumed_row(settings: Settings) -> None:
    runtime = build_runtime(settings, clock=ManualClock(START))
    recorder = runtime.adapters["slack"] = RecordingAdapter("slack")
    try:
        async with runtime.database.session() as session:
            await runtime.outbox.enqueue(session, OutboundMessage.plain("in flight"), conversation=CHANNEL)
        await runtime.outbox.claim("dead-worker", 10)
        advance(runtime, runtime.settings.outbox_lease_seconds + 1)
        await runtime.worker().run_once()
        assert recorder.texts() == ["in flight"]
        assert (await row(runtime)).status == "sent"
    finally:
        await runtime.database.dispose()
