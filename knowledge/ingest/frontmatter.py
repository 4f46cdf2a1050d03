"""Reading the metadata every entry may carry: owner, verified date, review interval, URL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True)
class EntryMeta:
    """Ownership and freshness of an entry, as given in its file."""

    title: str | None = None
    owner: str | None = None
    verified_on: date | None = None
    review_days: int | None = None
    url: str | None = None
    description: str | None = None


def parse_date(value: Any) -> date | None:
    """A date from a YAML/CSV value (date, datetime or ISO text); None when absent or not a date."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value.strip():
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    return None


# A review period longer than a century is no review period (and would not fit a date or a database integer).
MOST_DAYS = 36_500


def parse_days(value: Any) -> int | None:
    """A positive whole number of days up to MOST_DAYS, or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 10:
        value = int(value.strip())
    if isinstance(value, int):
        return value if 0 < value <= MOST_DAYS else None
    return None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def entry_meta(data: dict[str, Any]) -> EntryMeta:
    """EntryMeta from a front matter or metadata mapping; unknown keys are ignored."""
    return EntryMeta(
        title=_text(data.get("title")),
        owner=_text(data.get("owner")),
        verified_on=parse_date(data.get("verified", data.get("verified_on"))),
        review_days=parse_days(data.get("review_days")),
        url=_text(data.get("url")),
        description=_text(data.get("description")),
    )
