"""When a cron expression fires next, in a time zone, correct across daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import CroniterBadCronError, CroniterBadDateError, croniter

CRON_EXAMPLE = "'0 9 * * MON' (Mondays at 09:00)"
ZONE_EXAMPLE = "'Europe/Berlin'"


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


def next_fire_time(expression: str, zone: str, after: datetime) -> datetime:
    """The first firing strictly after `after`, as aware UTC; local wall-clock times are kept across DST."""
    tz = time_zone(zone)
    check_cron(expression)
    try:
        local_after = after.astimezone(tz)
        fire: datetime = croniter(expression, local_after).get_next(datetime)
    except (CroniterBadCronError, CroniterBadDateError) as exc:
        raise RecurrenceError(f"{expression!r} never fires; for example {CRON_EXAMPLE}") from exc
    if fire.tzinfo is None:
        fire = fire.replace(tzinfo=tz)
    return fire.astimezone(UTC)
