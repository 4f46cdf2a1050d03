"""The monthly link post: on the first working day, in the company's time zone, to the chosen channel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.types import Image, Text
from bot.features.link.jobs import first_working_day
from bot.features.link.months import month_of, month_start, shift
from tests.link.conftest import MONTHS, LinkWorld
from tests.support.testbot import TestBot


def test_the_first_working_day_is_the_first_or_the_monday_after_a_weekend() -> None:
    assert first_working_day(datetime(2026, 7, 1, 9, tzinfo=UTC), "UTC")  # a Wednesday
    assert not first_working_day(datetime(2026, 8, 1, 9, tzinfo=UTC), "UTC")  # a Saturday
    assert not first_working_day(datetime(2026, 8, 2, 9, tzinfo=UTC), "UTC")  # a Sunday
    assert first_working_day(datetime(2026, 8, 3, 9, tzinfo=UTC), "UTC")  # the Monday after
    assert not first_working_day(datetime(2026, 7, 2, 9, tzinfo=UTC), "UTC")
    # 23:30 UTC on 31 July is already 1 August (a Saturday) in Berlin.
    assert month_of(datetime(2026, 7, 31, 23, 30, tzinfo=UTC), "Europe/Berlin") == "2026-08"


async def test_the_monthly_post_goes_to_the_chosen_channel_once_with_last_months_report(
    year: LinkWorld,
) -> None:
    lead = TestBot(year.runtime, user_id="lead")
    await lead.push("link channel slack:C0LINK")
    assert "slack:C0LINK" in lead.pop()
    following = shift(MONTHS[11], 1)
    day = month_start(following, "UTC") + timedelta(hours=10)
    while not first_working_day(day, "UTC"):
        year.clock.set(day)
        await year.settle()
        day += timedelta(days=1)
    assert not year.sent_to("C0LINK")
    year.clock.set(day)
    await year.settle()
    year.clock.set(day + timedelta(days=1))
    await year.settle()
    [post] = year.sent_to("C0LINK")
    assert post.text.startswith(f"The link, {MONTHS[11]}")
    table = next(b.text for b in post.blocks if isinstance(b, Text) and "Support" in b.text)
    support = next(line for line in table.splitlines() if "Support" in line)
    assert support.endswith("eNPS hidden")
    assert any(isinstance(b, Image) and b.png_base64 for b in post.blocks)


def test_clueline_tz_is_read_and_a_bad_zone_names_the_variable() -> None:
    from pathlib import Path

    import pytest

    from bot.settings import SettingError, load_settings

    nowhere = Path("/nonexistent")
    assert load_settings({}, dotenv_path=nowhere).time_zone == "UTC"
    assert load_settings({"CLUELINE_TZ": "Europe/Berlin"}, dotenv_path=nowhere).time_zone == "Europe/Berlin"
    with pytest.raises(SettingError, match="CLUELINE_TZ"):
        load_settings({"CLUELINE_TZ": "Mars/Olympus"}, dotenv_path=nowhere)


def test_months_are_calendar_months_in_the_companys_time_zone() -> None:
    from bot.customer_voice.items import FeedbackItem
    from bot.features.link.report import LinkInput, build_report
    from bot.features.pulse.history import PulseRules

    late = FeedbackItem(
        id="x",
        source="s",
        text="ok",
        received_at=datetime(2026, 7, 31, 23, 30, tzinfo=UTC),
        scale="nps",
        score=10,
    )
    for zone, july, august in (("UTC", 1, 0), ("Europe/Berlin", 0, 1)):
        report = build_report(
            LinkInput(
                months=["2026-07", "2026-08"],
                zone=zone,
                teams=[],
                accepts={},
                items=[late],
                enps_runs=[],
                text_runs=[],
                rules=PulseRules(),
            )
        )
        assert [row["customer_responses"] for row in report.company] == [july, august]
