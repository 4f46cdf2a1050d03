"""Calendar months in the company's time zone: nothing in the link is finer than a month."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

MAX_MONTHS = 36
DEFAULT_MONTHS = 12


def month_of(moment: datetime, zone: str) -> str:
    """`YYYY-MM` of a moment in the zone."""
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m")


def month_start(month: str, zone: str) -> datetime:
    """The first instant of a `YYYY-MM` month in the zone, as UTC."""
    year, number = (int(part) for part in month.split("-"))
    return datetime(year, number, 1, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def shift(month: str, by: int) -> str:
    """The month `by` months after (or before) `month`."""
    year, number = (int(part) for part in month.split("-"))
    index = year * 12 + number - 1 + by
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def months_until(last: str, count: int) -> list[str]:
    """`count` months ending with `last`, oldest first."""
    return [shift(last, offset) for offset in range(1 - count, 1)]
