import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.features.pulse.schedule import (
    ScheduleError,
    build_schedule,
    local_send_time,
    next_runs,
    parse_at,
    parse_cron,
    parse_duration,
    parse_zone,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3d", timedelta(days=3)),
        ("48h", timedelta(hours=48)),
        ("90m", timedelta(minutes=90)),
        ("1w", timedelta(weeks=1)),
        ("2d12h", timedelta(days=2, hours=12)),
        (" 1W 2D ", timedelta(days=9)),
    ],
)
def test_durations_parse(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    "text", ["", "3", "3 days", "12h2d", "0h", "-3d", "1.5d", "3s", "99999999999w", "53w"]
)
def test_bad_durations_are_refused_with_an_example(text: str) -> None:
    with pytest.raises(ScheduleError, match=r"e\.g\. 3d, 48h"):
        parse_duration(text)


@pytest.mark.parametrize("expression", ["0 9 * * MON", "*/30 8-17 * * 1-5", " 0  9 1 * * "])
def test_cron_expressions_parse(expression: str) -> None:
    assert parse_cron(expression) == " ".join(expression.split())


@pytest.mark.parametrize(
    "expression", ["", "every monday", "61 9 * * *", "0 9 * *", "0 9 * * MON 2026", "0 25 * * *"]
)
def test_bad_cron_is_refused_with_an_example(expression: str) -> None:
    with pytest.raises(ScheduleError, match="'0 9 \\* \\* MON' in 'Europe/Berlin'"):
        parse_cron(expression)


@pytest.mark.parametrize("zone", ["Mars/Olympus", "", "../etc/passwd", "Europe/"])
def test_bad_zone_is_refused_with_an_example(zone: str) -> None:
    with pytest.raises(ScheduleError, match="Europe/Berlin"):
        parse_zone(zone)


def test_at_with_offset_or_zone_is_aware() -> None:
    assert parse_at("2026-12-01T09:00:00+01:00") == datetime(2026, 12, 1, 8, tzinfo=UTC)
    assert parse_at("2026-12-01T09:00:00Z") == datetime(2026, 12, 1, 9, tzinfo=UTC)
    assert parse_at("2026-07-01T09:00", "Europe/Berlin") == datetime(2026, 7, 1, 7, tzinfo=UTC)


@pytest.mark.parametrize("text", ["tomorrow", "2026-13-01T09:00+01:00", "2026-12-01T09:00"])
def test_bad_or_zoneless_at_is_refused_with_an_example(text: str) -> None:
    with pytest.raises(ScheduleError, match="2026-12-01T09:00:00\\+01:00"):
        parse_at(text)


def test_build_schedule_for_each_cli_shape() -> None:
    assert build_schedule() is None
    assert build_schedule(at="now") is None and build_schedule(at=" Now ") is None  # as the chat form says
    once = build_schedule(at="2026-12-01T09:00:00+01:00")
    assert once is not None and once.at is not None and once.cron is None
    every = build_schedule(every="0 9 * * MON", tz="Europe/Berlin", skip_weekends=True)
    assert every is not None and every.cron == "0 9 * * MON" and every.skip_weekends


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"at": "2026-12-01T09:00:00Z", "every": "0 9 * * *", "tz": "UTC"}, "not both"),
        ({"every": "0 9 * * MON"}, "needs a time zone"),
        ({"every": "0 9 * * MON", "tz": "Nowhere/Land"}, "Unknown time zone"),
        ({"every": "0 0 30 2 *", "tz": "UTC"}, "never runs"),
        ({"every": "0 9 * * SAT,SUN", "tz": "UTC", "skip_weekends": True}, "never runs on a weekday"),
    ],
)
def test_build_schedule_refuses_what_cannot_run(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ScheduleError, match=message):
        build_schedule(**kwargs)  # type: ignore[arg-type]


def _walls(runs: list[datetime]) -> list[tuple[str, str]]:
    return [(run.strftime("%Y-%m-%d"), run.strftime("%H:%M")) for run in runs]


# Each zone's change: (zone, a day before it, the day of it)
DST_CHANGES = [
    ("Europe/Berlin", "2026-03-27", "2026-03-29"),  # spring forward
    ("Europe/Berlin", "2026-10-23", "2026-10-25"),  # fall back
    ("America/New_York", "2026-03-06", "2026-03-08"),
    ("America/New_York", "2026-10-30", "2026-11-01"),
    ("Australia/Sydney", "2026-04-02", "2026-04-05"),  # southern autumn: fall back
    ("Australia/Sydney", "2026-10-01", "2026-10-04"),
]


@pytest.mark.parametrize(("zone", "before", "change_day"), DST_CHANGES)
def test_daily_nine_oclock_stays_nine_local_across_the_change(
    zone: str, before: str, change_day: str
) -> None:
    after = datetime.fromisoformat(before).replace(tzinfo=ZoneInfo(zone))
    runs = next_runs("0 9 * * *", zone, after, 6)
    assert all(run.strftime("%H:%M") == "09:00" for run in runs)
    offsets = {run.utcoffset() for run in runs}
    assert len(offsets) == 2, "the runs straddle the change"
    assert all(
        later - earlier in (timedelta(hours=23), timedelta(hours=24), timedelta(hours=25))
        for earlier, later in itertools.pairwise(runs)
    )
    assert change_day in {run.strftime("%Y-%m-%d") for run in runs}


def test_weekly_berlin_pulse_is_nine_local_before_and_after_the_change() -> None:
    runs = next_runs("0 9 * * MON", "Europe/Berlin", datetime(2026, 3, 20, tzinfo=UTC), 2)
    assert [run.astimezone(UTC).hour for run in runs] == [8, 7]
    assert _walls(runs) == [("2026-03-23", "09:00"), ("2026-03-30", "09:00")]


@pytest.mark.parametrize(
    ("zone", "gap_day"),
    [
        ("Europe/Berlin", "2026-03-29"),
        ("America/New_York", "2026-03-08"),
        ("Australia/Sydney", "2026-10-04"),
    ],
)
def test_run_in_the_spring_forward_gap_happens_once(zone: str, gap_day: str) -> None:
    day = datetime.fromisoformat(gap_day).replace(tzinfo=ZoneInfo(zone))
    runs = next_runs("30 2 * * *", zone, day - timedelta(days=2), 5)
    on_gap_day = [run for run in runs if run.strftime("%Y-%m-%d") == gap_day]
    assert len(on_gap_day) == 1
    assert on_gap_day[0].strftime("%H:%M") == "03:30"
    assert len({run.date() for run in runs}) == 5


@pytest.mark.parametrize(
    ("zone", "fold_day"),
    [
        ("Europe/Berlin", "2026-10-25"),
        ("America/New_York", "2026-11-01"),
        ("Australia/Sydney", "2026-04-05"),
    ],
)
def test_run_in_the_repeated_hour_happens_once(zone: str, fold_day: str) -> None:
    hour = "30 2" if zone != "America/New_York" else "30 1"
    day = datetime.fromisoformat(fold_day).replace(tzinfo=ZoneInfo(zone))
    runs = next_runs(f"{hour} * * *", zone, day - timedelta(days=2), 5)
    assert len([run for run in runs if run.strftime("%Y-%m-%d") == fold_day]) == 1
    assert runs == sorted(runs) and len(set(runs)) == 5


def test_kolkata_has_no_change_and_keeps_its_utc_time() -> None:
    runs = next_runs("0 9 * * *", "Asia/Kolkata", datetime(2026, 3, 1, tzinfo=UTC), 60)
    assert {run.astimezone(UTC).strftime("%H:%M") for run in runs} == {"03:30"}


def test_hourly_runs_through_the_gap_have_no_duplicates() -> None:
    after = datetime(2026, 3, 28, 23, tzinfo=ZoneInfo("Europe/Berlin"))
    runs = next_runs("0 * * * *", "Europe/Berlin", after, 5)
    assert _walls(runs) == [
        ("2026-03-29", "00:00"),
        ("2026-03-29", "01:00"),
        ("2026-03-29", "03:00"),
        ("2026-03-29", "04:00"),
        ("2026-03-29", "05:00"),
    ]


def test_runs_are_strictly_after_the_given_moment() -> None:
    at_nine = datetime(2026, 6, 1, 9, tzinfo=ZoneInfo("Europe/Berlin"))
    assert next_runs("0 9 * * *", "Europe/Berlin", at_nine, 1)[0].day == 2


def test_skip_weekends_leaves_out_saturday_and_sunday() -> None:
    runs = next_runs("0 9 * * *", "America/New_York", datetime(2026, 6, 5, tzinfo=UTC), 5, skip_weekends=True)
    assert [run.strftime("%a") for run in runs] == ["Fri", "Mon", "Tue", "Wed", "Thu"]


def test_naive_after_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        next_runs("0 9 * * *", "UTC", datetime(2026, 1, 1), 1)


def test_same_local_hour_in_each_recipients_zone() -> None:
    run = datetime(2026, 6, 1, 9, tzinfo=ZoneInfo("Europe/Berlin"))
    for zone in ("America/New_York", "Australia/Sydney", "Asia/Kolkata"):
        local = local_send_time(run, "Europe/Berlin", zone).astimezone(ZoneInfo(zone))
        assert (local.date().isoformat(), local.strftime("%H:%M")) == ("2026-06-01", "09:00")
    assert local_send_time(run, "Europe/Berlin", "America/New_York") - run == timedelta(hours=6)


def test_same_local_hour_when_only_the_recipient_changes_clocks() -> None:
    # New York moves on 8 March, Berlin on 29 March: in between the gap is 5 hours, not 6.
    run = datetime(2026, 3, 10, 9, tzinfo=ZoneInfo("Europe/Berlin"))
    assert local_send_time(run, "Europe/Berlin", "America/New_York") - run == timedelta(hours=5)


def test_recipient_without_a_usable_zone_gets_the_run_time() -> None:
    run = datetime(2026, 6, 1, 9, tzinfo=ZoneInfo("Europe/Berlin"))
    assert local_send_time(run, "Europe/Berlin", None) == run
    assert local_send_time(run, "Europe/Berlin", "Not/AZone") == run


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from(
        ["Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "Australia/Lord_Howe"]
    ),
    st.integers(min_value=0, max_value=23),
    st.sampled_from([0, 15, 30, 45]),
)
def test_a_daily_run_happens_once_every_local_day_of_a_year(zone: str, hour: int, minute: int) -> None:
    tz = ZoneInfo(zone)
    runs = next_runs(f"{minute} {hour} * * *", zone, datetime(2025, 12, 31, 23, 59, tzinfo=tz), 365)
    assert [run.date() for run in runs] == [
        date(2026, 1, 1) + timedelta(days=offset) for offset in range(365)
    ]
    assert runs == sorted(set(runs))
    for run in runs:
        wanted = datetime.combine(run.date(), time(hour, minute))
        if run.replace(tzinfo=None) != wanted:
            # Only a wall time that does not exist that day may move, and only forward, within the gap.
            assert wanted.replace(tzinfo=tz).astimezone(UTC).astimezone(tz).replace(tzinfo=None) != wanted
            assert timedelta(0) < run.replace(tzinfo=None) - wanted <= timedelta(hours=1)
