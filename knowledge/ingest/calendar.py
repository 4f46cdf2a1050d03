"""Campaign calendars (CSV or iCalendar): each campaign becomes a chunk that states its dates in words."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from knowledge.ingest.csv import Row
from knowledge.ingest.errors import UnreadableFile
from knowledge.ingest.frontmatter import parse_date


@dataclass(frozen=True)
class Campaign:
    """One calendar entry."""

    name: str
    start: date
    end: date | None
    audience: str
    brief: str


def _spoken(day: date) -> str:
    return f"{day.isoformat()} ({day.strftime('%A')} {day.day} {day.strftime('%B %Y')})"


def campaign_text(c: Campaign) -> str:
    """The sentences a campaign chunk holds, with the dates spelled out."""
    label = c.name if "campaign" in c.name.lower() else f"{c.name} campaign"
    parts = [f"The {label} launches (starts) on {_spoken(c.start)}"]
    if c.end is not None and c.end != c.start:
        parts[0] += f" and runs until {_spoken(c.end)}, when it ends."
    else:
        parts[0] += "."
    if c.audience:
        parts.append(f"Audience: {c.audience}.")
    if c.brief:
        parts.append(c.brief)
    return " ".join(parts)


def campaigns_from_csv(records: Iterable[Row], path: Path) -> list[Campaign]:
    """Campaigns from calendar CSV rows (each with its file line); a row without a valid start date is an error."""
    campaigns: list[Campaign] = []
    for line, record in records:
        name = record.get("name", "").strip()
        start = parse_date(record.get("start"))
        if not name or start is None:
            raise UnreadableFile(path, f"line {line}: a campaign needs a name and a start date (YYYY-MM-DD)")
        campaigns.append(
            Campaign(
                name,
                start,
                parse_date(record.get("end")),
                record.get("audience", "").strip(),
                record.get("brief", "").strip(),
            )
        )
    return campaigns


def _as_date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return None


def campaigns_from_ics(data: bytes, path: Path) -> list[Campaign]:
    """Campaigns from the VEVENTs of an iCalendar file (SUMMARY, DTSTART, DTEND, DESCRIPTION)."""
    from icalendar import Calendar

    try:
        # icalendar reads a property's value only when asked for it: a broken DTSTART fails in the walk.
        return _campaigns(Calendar.from_ical(data))
    except (ValueError, IndexError, KeyError, OverflowError) as exc:
        raise UnreadableFile(path, f"not a valid iCalendar file ({exc.__class__.__name__})") from exc


def _campaigns(calendar: Any) -> list[Campaign]:
    campaigns: list[Campaign] = []
    for event in calendar.walk("VEVENT"):
        name = str(event.get("SUMMARY", "")).strip()
        start_prop = event.get("DTSTART")
        start = _as_date(start_prop.dt) if start_prop is not None else None
        if not name or start is None:
            continue
        end_prop = event.get("DTEND")
        end = _as_date(end_prop.dt) if end_prop is not None else None
        # iCalendar all-day events end on the day after the last day.
        if end is not None and not isinstance(end_prop.dt, datetime) and end > start:
            end = end - timedelta(days=1)
        categories = event.get("CATEGORIES")
        audience = str(event.get("X-AUDIENCE", "")).strip()
        if not audience and categories is not None:
            cats = categories if isinstance(categories, list) else [categories]
            audience = ", ".join(str(c) for cat in cats for c in getattr(cat, "cats", [cat]))
        campaigns.append(Campaign(name, start, end, audience, str(event.get("DESCRIPTION", "")).strip()))
    return campaigns
