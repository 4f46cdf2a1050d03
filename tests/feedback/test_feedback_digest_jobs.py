"""Scheduled digests: per route (count, NPS with its change, themes, quotes) and the company-wide one."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlmodel import col

from bot.clock import ManualClock
from bot.db.models import ScheduledJob
from bot.features.feedback import manage
from bot.features.feedback.jobs import send_route_digest_now
from bot.runtime import Runtime
from bot.settings import Settings
from tests.feedback.support import add_route, intake_of, item, outbox_rows, send_all, slack
from tests.support.runtime import build_test_runtime, close

MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _at(days_before_monday: float) -> str:
    return (MONDAY_9 - timedelta(days=days_before_monday)).isoformat()


async def _two_weeks_of_feedback(runtime: Runtime) -> None:
    await intake_of(runtime).accept(
        [
            item(
                id="p1",
                received_at=_at(10),
                score=3,
                text="Export to PDF fails on long invoices.",
                tags=["export"],
            ),
            item(
                id="p2",
                received_at=_at(9),
                score=10,
                text="Reminders got us paid a week sooner.",
                tags=["reminders"],
            ),
            item(
                id="c1",
                received_at=_at(5),
                score=10,
                text="Bank feeds match perfectly now, saves hours.",
                tags=["bank"],
            ),
            item(
                id="c2",
                received_at=_at(3),
                score=9,
                text="Quote to invoice in one click is great.",
                tags=["export"],
            ),
            item(
                id="c3",
                received_at=_at(1),
                score=2,
                text="CSV export drops accented names like José.",
                tags=["export"],
            ),
        ]
    )


def _monday(runtime: Runtime) -> None:
    assert isinstance(runtime.clock, ManualClock)
    runtime.clock.set(MONDAY_9 + timedelta(seconds=1))


async def test_a_weekly_route_digest_gives_count_nps_change_themes_and_quotes(fb_runtime: Runtime) -> None:
    await add_route(fb_runtime, "slack:CWEEKLY", "--digest", "weekly")
    await _two_weeks_of_feedback(fb_runtime)
    await send_all(fb_runtime)
    assert slack(fb_runtime).sent == []  # a digest route posts nothing in real time
    _monday(fb_runtime)
    await send_all(fb_runtime)
    [(conversation, message)] = slack(fb_runtime).sent
    assert conversation.channel == "CWEEKLY"
    text = message.text
    assert "weekly digest" in text
    assert "3 feedback items this week" in text
    assert "NPS +33 (up 33 from last week)" in text
    assert "export (2)" in text
    quotes = [b for b in message.model_dump()["blocks"] if b["type"] == "text" and "“" in b["text"]]
    assert len(quotes) == 3


async def test_a_digest_sent_now_posts_the_week_so_far_and_the_scheduled_one_still_goes(
    fb_runtime: Runtime,
) -> None:
    route = await add_route(fb_runtime, "slack:CWEEKLY", "--digest", "weekly")
    await _two_weeks_of_feedback(fb_runtime)
    assert isinstance(fb_runtime.clock, ManualClock)
    fb_runtime.clock.set(MONDAY_9 - timedelta(hours=12))  # Sunday night: c1, c2 and c3 came in this week
    sent = await send_route_digest_now(fb_runtime, route.id)
    assert sent is not None and sent[1].count == 3
    await send_all(fb_runtime)
    [(conversation, message)] = slack(fb_runtime).sent
    assert conversation.channel == "CWEEKLY" and "3 feedback items this week" in message.text
    _monday(fb_runtime)
    await send_all(fb_runtime)
    assert len(slack(fb_runtime).sent) == 2
    assert await send_route_digest_now(fb_runtime, "999") is None


async def test_a_route_digest_counts_only_what_the_route_takes(fb_runtime: Runtime) -> None:
    await add_route(fb_runtime, "slack:CDETRACT", "--max-score", "6", "--digest", "weekly")
    await _two_weeks_of_feedback(fb_runtime)
    _monday(fb_runtime)
    await send_all(fb_runtime)
    [(_, message)] = slack(fb_runtime).sent
    assert "1 feedback item this week" in message.text
    assert "NPS -100 (same as last week)" in message.text


async def test_a_digest_is_sent_once_and_not_for_a_quiet_period(fb_runtime: Runtime) -> None:
    await add_route(fb_runtime, "slack:CDAILY", "--digest", "daily")
    await intake_of(fb_runtime).accept([item(received_at=(MONDAY_9 - timedelta(hours=2)).isoformat())])
    _monday(fb_runtime)
    await send_all(fb_runtime)
    await send_all(fb_runtime)
    assert len(slack(fb_runtime).sent) == 1
    assert isinstance(fb_runtime.clock, ManualClock)
    fb_runtime.clock.advance(timedelta(days=1))
    await send_all(fb_runtime)
    assert len(slack(fb_runtime).sent) == 1
    assert len(await outbox_rows(fb_runtime, "feedback_digest")) == 1


async def test_the_company_digest_goes_weekly_to_the_chosen_channel(fb_runtime: Runtime) -> None:
    await manage.set_company_channel(fb_runtime, "slack:CALLHANDS")
    await _two_weeks_of_feedback(fb_runtime)
    _monday(fb_runtime)
    await send_all(fb_runtime)
    [(conversation, message)] = slack(fb_runtime).sent
    assert conversation.channel == "CALLHANDS"
    assert "Hear the customer: week of 16 Nov 2026" in message.text
    assert "3 feedback items this week" in message.text
    # For everyone: November so far (p1, p2, c1-c3: 3 promoters, 2 detractors of 5), no October to compare.
    assert "November so far: customer NPS +20 (5 answers)" in message.text


async def test_the_company_digest_shows_the_months_nps_trend_against_last_month(fb_runtime: Runtime) -> None:
    await manage.set_company_channel(fb_runtime, "slack:CALLHANDS")
    await _two_weeks_of_feedback(fb_runtime)
    await intake_of(fb_runtime).accept(
        [
            item(id="o1", received_at="2026-10-20T10:00:00+00:00", score=10, text="Great."),
            item(id="o2", received_at="2026-10-21T10:00:00+00:00", score=6, text="Slow."),
            item(id="o3", received_at="2026-10-22T10:00:00+00:00", score=9, text="Good."),
            item(id="o4", received_at="2026-10-23T10:00:00+00:00", score=9, text="Fine."),
        ]
    )
    _monday(fb_runtime)
    await send_all(fb_runtime)
    [(_, message)] = slack(fb_runtime).sent
    # October: 3 promoters, 1 detractor of 4 = +50; November so far +20.
    lines = message.text.splitlines()
    assert "November so far: customer NPS +20 (5 answers), down 30 from October" in lines


async def test_a_removed_route_sends_no_more_digests(fb_runtime: Runtime) -> None:
    route = await add_route(fb_runtime, "slack:CWEEKLY", "--digest", "weekly")
    await _two_weeks_of_feedback(fb_runtime)
    assert await manage.remove_route(fb_runtime, route.id)
    _monday(fb_runtime)
    await send_all(fb_runtime)
    assert slack(fb_runtime).sent == []


async def test_a_daily_digest_goes_out_at_nine_in_the_company_time_zone(settings: Settings) -> None:
    runtime = build_test_runtime(replace(settings, time_zone="Europe/Berlin"), ManualClock(MONDAY_9))
    try:
        route = await add_route(runtime, "slack:CDAILY", "--digest", "daily")
        async with runtime.database.session() as session:
            job = (
                await session.execute(
                    select(ScheduledJob).where(col(ScheduledJob.name) == manage.route_job(route.id))
                )
            ).scalar_one()
        # 09:00 in Berlin on Tuesday 24 November is 08:00 UTC (not 09:00 UTC, as before).
        assert job.next_run_at is not None
        assert job.next_run_at.astimezone(UTC) == datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
        assert job.time_zone == "Europe/Berlin"
    finally:
        await close(runtime)
