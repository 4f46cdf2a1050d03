"""The outbox and scheduler on one process: retries, permanent failures, malformed rows, resumption, cron jobs."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.clock import ManualClock
from bot.core.errors import PermanentSendError, RetryableSendError
from bot.core.types import ConversationRef, OutboundMessage, UserRef
from bot.db.models import OutboxMessage, ScheduledJob
from bot.outbox.recurrence import RecurrenceError, next_fire_time
from bot.outbox.scheduler import DueJob
from bot.runtime import Runtime, build_runtime
from bot.settings import Settings
from tests.support.recording import RecordingAdapter

CHANNEL = ConversationRef(platform="slack", workspace="T1", channel="C1")
START = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
async def timed(settings: Settings) -> Runtime:
    runtime = build_runtime(settings, clock=ManualClock(START))
    runtime.adapters["slack"] = RecordingAdapter("slack")
    yield runtime  # type: ignore[misc]
    await runtime.database.dispose()


def clock(runtime: Runtime) -> ManualClock:
    assert isinstance(runtime.clock, ManualClock)
    return runtime.clock


def recorder(runtime: Runtime) -> RecordingAdapter:
    adapter = runtime.adapters["slack"]
    assert isinstance(adapter, RecordingAdapter)
    return adapter


async def queue(runtime: Runtime, text: str, key: str | None = None, **kwargs: object) -> int | None:
    async with runtime.database.session() as session:
        return await runtime.outbox.enqueue(
            session,
            OutboundMessage.plain(text),
            conversation=CHANNEL,
            idempotency_key=key,
            **kwargs,
        )


async def rows(runtime: Runtime) -> list[OutboxMessage]:
    async with runtime.database.session() as session:
        return list((await session.execute(select(OutboxMessage).order_by(col(OutboxMessage.id)))).scalars())


async def test_same_idempotency_key_is_queued_once(timed: Runtime) -> None:
    assert await queue(timed, "hello", key="k1") is not None
    assert await queue(timed, "hello again", key="k1") is None
    await timed.worker().run_once()
    assert recorder(timed).texts() == ["hello"]
    [row] = await rows(timed)
    assert row.status == "sent" and row.sent_message_id


async def test_retry_after_is_honoured(timed: Runtime) -> None:
    await queue(timed, "rate limited")
    recorder(timed).failures["C1"] = RetryableSendError("ratelimited", retry_after=30)
    worker = timed.worker()
    await worker.run_once()
    assert recorder(timed).texts() == []
    clock(timed).advance(timedelta(seconds=29))
    assert await worker.run_once() == 0, "nothing is sent inside the Retry-After window"
    clock(timed).advance(timedelta(seconds=2))
    await worker.run_once()
    assert recorder(timed).texts() == ["rate limited"]


async def test_waiting_for_our_own_rate_limit_spends_no_attempt(timed: Runtime) -> None:
    # At scale, many processes share one workspace's budget: a row held back twenty times is waiting, not failing.
    await queue(timed, "one of two thousand invitations")
    worker = timed.worker()
    for _ in range(20):
        recorder(timed).failures["C1"] = RetryableSendError("rate limited", retry_after=10, held_back=True)
        await worker.run_once()
        clock(timed).advance(timedelta(seconds=11))
    await worker.run_once()
    [row] = await rows(timed)
    assert (row.status, recorder(timed).texts()) == ("sent", ["one of two thousand invitations"])
    assert row.attempts == 1


async def test_permanent_failure_is_recorded_and_not_retried(timed: Runtime) -> None:
    await queue(timed, "to a deleted channel")
    recorder(timed).failures["C1"] = PermanentSendError("channel_not_found")
    worker = timed.worker()
    await worker.run_once()
    clock(timed).advance(timedelta(hours=1))
    assert await worker.run_once() == 0
    [row] = await rows(timed)
    assert (row.status, row.last_error) == ("failed", "channel_not_found")


async def test_malformed_row_is_failed_and_the_worker_goes_on(timed: Runtime) -> None:
    broken = await queue(timed, "will be corrupted")
    await queue(timed, "fine")
    async with timed.database.session() as session:
        await session.execute(
            update(OutboxMessage).where(col(OutboxMessage.id) == broken).values(message="{not json")
        )
    await timed.worker().run_once()
    assert recorder(timed).texts() == ["fine"]
    first, _ = await rows(timed)
    assert first.status == "failed" and "malformed" in (first.last_error or "")


async def test_direct_message_opens_the_conversation_once_per_person(timed: Runtime) -> None:
    person = UserRef(platform="slack", workspace="T1", user_id="U9")
    for n in range(2):
        async with timed.database.session() as session:
            await timed.outbox.enqueue(session, OutboundMessage.plain(f"dm {n}"), recipient=person)
        await timed.worker().run_once()
    assert recorder(timed).opened_dms == ["U9"]
    assert [c.channel for c, _ in recorder(timed).sent] == ["D-U9", "D-U9"]


async def test_direct_message_to_a_platform_that_takes_user_ids_stores_no_conversation(
    timed: Runtime,
) -> None:
    adapter = recorder(timed)
    adapter.capabilities = adapter.capabilities.model_copy(update={"direct_by_user_id": True})
    person = UserRef(platform="slack", workspace="T1", user_id="U9")
    for n in range(2):
        async with timed.database.session() as session:
            await timed.outbox.enqueue(session, OutboundMessage.plain(f"dm {n}"), recipient=person)
        await timed.worker().run_once()
    assert adapter.opened_dms == ["U9", "U9"], "asked the adapter each time, no stored conversation"
    assert await timed.directory.person("slack", "U9") is None


async def test_row_of_a_worker_that_died_mid_send_is_resumed_after_its_lease(timed: Runtime) -> None:
    await queue(timed, "in flight")
    claimed = await timed.outbox.claim("dead-worker", 10)
    assert len(claimed) == 1
    assert await timed.worker().run_once() == 0, "a live lease is respected"
    clock(timed).advance(timedelta(seconds=timed.settings.outbox_lease_seconds + 1))
    await timed.worker().run_once()
    assert recorder(timed).texts() == ["in flight"]
    [row] = await rows(timed)
    assert row.attempts == 2 and "mid-send" in (row.last_error or "")


async def test_cron_job_runs_once_per_firing_across_two_processes(settings: Settings) -> None:
    ran: list[datetime] = []

    async def job(_session: object, due: DueJob) -> None:
        ran.append(due.due_at)

    shared_clock = ManualClock(datetime(2026, 3, 27, 6, 0, tzinfo=UTC))
    first, second = (build_runtime(settings, clock=shared_clock) for _ in range(2))
    try:
        for runtime in (first, second):
            runtime.scheduler.handle("tick", job)
        async with first.database.session() as session:
            await first.scheduler.schedule(
                session, "daily", "tick", {}, cron="0 9 * * *", zone="Europe/Berlin"
            )
        for _ in range(4):  # across the spring-forward night of 2026-03-29 in Berlin
            shared_clock.advance(timedelta(days=1))
            await first.scheduler.run_due()
            await second.scheduler.run_due()
        local = [due.astimezone(ZoneInfo("Europe/Berlin")).strftime("%m-%d %H:%M") for due in ran]
        assert local == ["03-27 09:00", "03-28 09:00", "03-29 09:00", "03-30 09:00"]
    finally:
        await first.database.dispose()
        await second.database.dispose()


async def test_job_whose_read_went_stale_meanwhile_runs_again_and_commits_once(
    timed: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    tries: list[str] = []

    async def job(session: AsyncSession, due: DueJob) -> None:
        tries.append(due.name)
        await session.execute(select(OutboxMessage))  # as a pulse's open job reads the pulse
        if len(tries) == 1:  # another connection commits between the job's first read and its first write
            await queue(timed, "written meanwhile")
        await timed.outbox.enqueue(
            session, OutboundMessage.plain("from the job"), conversation=CHANNEL, idempotency_key="job"
        )

    timed.scheduler.handle("write", job)
    async with timed.database.session() as session:
        await timed.scheduler.schedule(session, "once", "write", {}, at=START)
    assert await timed.scheduler.run_due() == 1
    await timed.worker().run_once()
    assert sorted(recorder(timed).texts()) == ["from the job", "written meanwhile"]
    async with timed.database.session() as session:
        [row] = (await session.execute(select(ScheduledJob))).scalars()
    assert row.last_error is None and not row.active
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]


def test_next_fire_time_keeps_local_hour_across_daylight_saving() -> None:
    after = datetime(2026, 10, 24, 12, 0, tzinfo=UTC)
    first = next_fire_time("0 9 * * *", "America/New_York", after)
    after_change = next_fire_time("0 9 * * *", "America/New_York", datetime(2026, 11, 2, 0, 0, tzinfo=UTC))
    assert (first.hour, after_change.hour) == (13, 14)  # 09:00 EDT, then 09:00 EST


def test_bad_cron_and_zone_are_refused_with_an_example() -> None:
    with pytest.raises(RecurrenceError, match="for example"):
        next_fire_time("every monday", "UTC", START)
    with pytest.raises(RecurrenceError, match="Europe/Berlin"):
        next_fire_time("0 9 * * *", "Mars/Olympus", START)
