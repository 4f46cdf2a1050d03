"""When a cron expression fires next, in a time zone, correct across daylight-saving changes.

Cron is evaluated on local wall-clock times; each wall time is then placed in the zone. A wall time in a
spring-forward gap moves forward by the gap (it fires once, not never), and one in the repeated fall-back
hour fires once, at its first occurrence.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import CroniterBadCronError, CroniterBadDateError, CroniterError, croniter

CRON_EXAMPLE = "'0 9 * * MON' (Mondays at 09:00)"
ZONE_EXAMPLE = "'Europe/Berlin'"

# A wall time inside a spring-forward gap lands at most this much later than its wall-clock position,
# so once a candidate is this far past the nth run, no later candidate can come before it.
_LARGEST_GAP = timedelta(hours=3)
_MAX_CANDIDATES = 10_000
_SATURDAY = 5


class RecurrenceError(ValueError):
    """A cron expression or time zone that does not parse; the message shows a valid example."""


def time_zone(name: str) -> ZoneInfo:
    """The IANA time zone of that name, or a RecurrenceError with an example."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise RecurrenceError(
            f"unknown time zone {name!r}; use an IANA name such as {ZONE_EXAMPLE}"
        ) from None


def check_cron(expression: str) -> str:
    """The expression itself when croniter accepts it (five fields), else a RecurrenceError with an example."""
    fields = expression.split()
    if len(fields) != 5 or not croniter.is_valid(expression):
        raise RecurrenceError(f"{expression!r} is not a cron expression; for example {CRON_EXAMPLE}")
    return expression


def place_wall_time(wall: datetime, zone: ZoneInfo) -> datetime:
    """Attach `zone` to a naive wall time: a nonexistent time moves forward, an ambiguous one takes its first."""
    # fold=0 takes the earlier offset; the UTC round trip turns a time in a gap into a real one.
    aware = datetime.combine(wall.date(), time(wall.hour, wall.minute, wall.second, wall.microsecond), zone)
    return aware.astimezone(UTC).astimezone(zone)


def next_fire_times(
    expression: str, zone: str, after: datetime, n: int, *, skip_weekends: bool = False
) -> list[datetime]:
    """The next `n` firings strictly after `after`, as aware datetimes in `zone`, in order, without repeats."""
    if after.tzinfo is None:
        raise ValueError("`after` must be timezone-aware")
    if n <= 0:
        return []
    check_cron(expression)
    tz = time_zone(zone)
    start = after.astimezone(tz).replace(tzinfo=None) - _LARGEST_GAP
    iterator = croniter(expression, start)
    runs: set[datetime] = set()
    for _ in range(_MAX_CANDIDATES):
        try:
            wall = iterator.get_next(datetime)
        except (CroniterBadDateError, CroniterBadCronError, CroniterError):
            break
        if skip_weekends and wall.weekday() >= _SATURDAY:
            continue
        instant = place_wall_time(wall, tz)
        if instant > after:
            runs.add(instant)
        ordered = sorted(runs)
        if len(ordered) >= n and instant - _LARGEST_GAP > ordered[n - 1]:
            return ordered[:n]
    ordered = sorted(runs)
    if not ordered:
        weekdays = " on a weekday" if skip_weekends else ""
        raise RecurrenceError(f"{expression!r} never fires{weekdays}; for example {CRON_EXAMPLE}")
    return ordered[:n]


def next_fire_time(expression: str, zone: str, after: datetime) -> datetime:
    """The first firing strictly after `after`, as aware UTC."""
    return next_fire_times(expression, zone, after, 1)[0].astimezone(UTC)
