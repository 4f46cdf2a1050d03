"""When a pulse goes out and closes: one-off times, cron recurrence in a time zone, durations.

Recurrence is computed on local wall-clock times and only then placed on the time line, so a 09:00
pulse stays at 09:00 local on both sides of a daylight-saving change. A wall time that does not exist
(spring forward) runs once, shifted forward by the gap; a wall time that happens twice (fall back) runs
once, at its first occurrence.

Parsing zones and cron expressions is the scheduler's (`bot.outbox.recurrence`), so a pulse accepts
exactly what the scheduler can run. Run times are computed here rather than with the scheduler's
`next_fire_time`, which fires twice in a repeated (fall-back) hour and at the gap's end instead of the
shifted wall time; pulse runs are therefore scheduled as one-off jobs at the times computed here.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.outbox.recurrence import RecurrenceError, check_cron, next_fire_times, place_wall_time, time_zone

CRON_EXAMPLE: Final = "'0 9 * * MON' in 'Europe/Berlin'"
DURATION_EXAMPLE: Final = "e.g. 3d, 48h, 90m, 1w, 2d12h"
AT_EXAMPLE: Final = "e.g. 2026-12-01T09:00:00+01:00"
MAX_DURATION: Final = timedelta(days=366)

# A wall time inside a spring-forward gap lands at most this much later than its wall-clock position,
# so once a candidate is this far past the nth run, no later candidate can come before it.
_LARGEST_GAP: Final = timedelta(hours=3)
_MAX_CANDIDATES: Final = 10_000
_DURATION_PATTERN: Final = re.compile(r"(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?")
_REFERENCE_TIME: Final = datetime(2000, 1, 1, tzinfo=UTC)


class ScheduleError(ValueError):
    """A time, cron expression, time zone or duration that cannot be used; the message shows a valid one."""


@dataclass(frozen=True)
class Schedule:
    """Either one send at `at`, or a recurrence `cron` in `tz`; never both."""

    at: datetime | None = None
    cron: str | None = None
    tz: str | None = None
    skip_weekends: bool = False
    recipient_local_time: bool = False


def parse_zone(name: str) -> ZoneInfo:
    """Return the IANA time zone `name` (the scheduler's own check), or refuse with an example."""
    try:
        return time_zone(name.strip())
    except (RecurrenceError, ZoneInfoNotFoundError, ValueError, TypeError):
        raise ScheduleError(
            f"Unknown time zone {name!r}; use an IANA name such as 'Europe/Berlin' or 'America/New_York'."
        ) from None


def parse_cron(expression: str) -> str:
    """Return the normalized five-field cron expression, or refuse with an example."""
    normalized = " ".join(expression.split())
    try:
        return check_cron(normalized)
    except RecurrenceError:
        raise ScheduleError(
            f"Cannot read the schedule {expression!r}; use a cron expression like {CRON_EXAMPLE}."
        ) from None


def parse_at(text: str, tz: str | None = None) -> datetime:
    """Parse an ISO-8601 time; a time without an offset needs `tz`. Returns an aware datetime."""
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ScheduleError(f"Cannot read the time {text!r}; use ISO-8601, {AT_EXAMPLE}.") from None
    if parsed.tzinfo is None:
        if tz is None:
            raise ScheduleError(f"The time {text!r} has no UTC offset; add one, {AT_EXAMPLE}, or give --tz.")
        wall = parsed
        parsed = place_wall_time(wall, parse_zone(tz))
        if parsed.replace(tzinfo=None) != wall:
            # A one-off time the clocks skip that day: said, not quietly moved an hour.
            raise ScheduleError(
                f"{wall:%Y-%m-%d %H:%M} does not exist in {tz} (the clocks go forward then); "
                f"give {parsed:%H:%M} or an hour earlier."
            )
    try:
        parsed.astimezone(UTC) + MAX_DURATION
    except OverflowError:
        raise ScheduleError(f"The time {text!r} is too far ahead; {AT_EXAMPLE}.") from None
    return parsed


def parse_duration(text: str) -> timedelta:
    """Parse a positive duration such as '3d', '48h', '90m', '1w' or '2d12h' (at most 366 days)."""
    compact = "".join(text.split()).lower()
    match = _DURATION_PATTERN.fullmatch(compact)
    if not compact or match is None:
        raise ScheduleError(f"Cannot read the duration {text!r}; {DURATION_EXAMPLE}.")
    weeks, days, hours, minutes = (int(part) if part else 0 for part in match.groups())
    # Compare in minutes first: huge numbers would overflow timedelta.
    total_minutes = ((weeks * 7 + days) * 24 + hours) * 60 + minutes
    if total_minutes <= 0:
        raise ScheduleError(f"The duration {text!r} is zero; {DURATION_EXAMPLE}.")
    if total_minutes > MAX_DURATION.total_seconds() // 60:
        raise ScheduleError(
            f"The duration {text!r} is longer than {MAX_DURATION.days} days; {DURATION_EXAMPLE}."
        )
    return timedelta(minutes=total_minutes)


def duration_words(span: timedelta) -> str:
    """A duration as --closes-after takes it: "7d", "2d12h", "90m"."""
    minutes = int(span.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [(days, "d"), (hours, "h"), (minutes, "m")]
    return "".join(f"{n}{unit}" for n, unit in parts if n) or "0m"


# Runs looked at to find a schedule's shortest gap (a year of weekly runs; a monthly cron's twelve).
_RUNS_COMPARED: Final = 52


def shortest_gap(cron: str, tz: str, after: datetime, *, skip_weekends: bool = False) -> timedelta:
    """The shortest time between two consecutive runs of the schedule, over its next runs."""
    runs = next_runs(cron, tz, after, _RUNS_COMPARED, skip_weekends=skip_weekends)
    return min((later - earlier for earlier, later in itertools.pairwise(runs)), default=MAX_DURATION)


def build_schedule(
    at: str | None = None,
    every: str | None = None,
    tz: str | None = None,
    *,
    skip_weekends: bool = False,
    recipient_local_time: bool = False,
) -> Schedule | None:
    """Validate the CLI's `--at` / `--every CRON --tz ZONE`; None means send now (also `--at now`, as the chat
    form says)."""
    if at is not None and at.strip().lower() == "now":
        at = None
    if at is not None and every is not None:
        raise ScheduleError("Give either --at or --every, not both.")
    if every is not None:
        if tz is None:
            raise ScheduleError(f"A recurring pulse needs a time zone, {CRON_EXAMPLE}.")
        parse_zone(tz)
        schedule = Schedule(
            cron=parse_cron(every),
            tz=tz.strip(),
            skip_weekends=skip_weekends,
            recipient_local_time=recipient_local_time,
        )
        # Refuses a cron that never fires (30 February, or weekends only with weekends skipped).
        next_runs(every, tz, _REFERENCE_TIME, 1, skip_weekends=skip_weekends)
        return schedule
    if at is not None:
        return Schedule(at=parse_at(at, tz), tz=tz, recipient_local_time=recipient_local_time)
    if tz is not None:
        parse_zone(tz)
    return None


def next_runs(cron: str, tz: str, after: datetime, n: int, *, skip_weekends: bool = False) -> list[datetime]:
    """The next `n` run instants strictly after `after`, as aware datetimes in zone `tz`."""
    expression = parse_cron(cron)
    parse_zone(tz)
    try:
        return next_fire_times(expression, tz, after, n, skip_weekends=skip_weekends)
    except RecurrenceError:
        raise ScheduleError(
            f"The schedule {cron!r} never runs{' on a weekday' if skip_weekends else ''}."
        ) from None


def local_send_time(run_at: datetime, cron_tz: str, recipient_tz: str | None) -> datetime:
    """The instant a recipient gets a run: the run's local date and wall time, in the recipient's zone.

    A recipient east of `cron_tz` gets it before `run_at`; a scheduler honouring this option has to
    start the run at the earliest of its recipients' times. Unknown or missing zones get `run_at`.
    """
    if recipient_tz is None:
        return run_at
    try:
        recipient_zone = parse_zone(recipient_tz)
    except ScheduleError:
        return run_at
    wall = run_at.astimezone(parse_zone(cron_tz)).replace(tzinfo=None)
    return place_wall_time(wall, recipient_zone)
