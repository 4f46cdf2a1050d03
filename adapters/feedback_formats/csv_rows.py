"""CSV exports of survey and helpdesk tools as feedback items, one verdict per row."""

from __future__ import annotations

import csv
import dataclasses
import io
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from adapters.feedback_formats.ids import content_id
from adapters.feedback_formats.mapping import InvalidMapping, normalise_header, resolve_columns
from bot.features.feedback.items import (
    FeedbackItem,
    InvalidFeedback,
    parse_item,
    parse_received_at,
)

Verdict = FeedbackItem | InvalidFeedback

_DELIMITERS = (",", ";", "\t", "|")
_SLASH_DATE = re.compile(
    r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?$"
)
_TAG_SPLIT = re.compile(r"[,;|]")
_SCALE_HINTS = (("nps", "nps"), ("recommend", "nps"), ("csat", "csat"), ("satisf", "csat"), ("star", "stars"))


def parse_csv(
    text: str,
    mapping: Mapping[str, str] | None,
    source_default: str,
    scale_default: str | None = None,
    now: datetime | None = None,
) -> Iterator[tuple[int, Verdict]]:
    """(line number, item or the reason it was refused) for each data row of a CSV export.

    The header is checked at once: InvalidMapping when the mapping names a missing column.
    A row's line number is the file line it starts on (quoted fields may span lines).
    """
    text = text.lstrip("\ufeff").replace("\x00", "")
    first_line = text.split("\n", 1)[0]
    delimiter = max(_DELIMITERS, key=first_line.count)
    # Strict: a stray or unclosed quote is an error, not a row that swallows the rows after it.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise InvalidMapping("the file is empty") from None
    except csv.Error as error:
        raise InvalidMapping(f"line 1: the header row is not valid CSV: {csv_problem(error)}") from None
    columns = resolve_columns(header, mapping or {})
    scale = scale_default or _scale_hint(header, columns)
    return _rows(reader, header, columns, source_default, scale, now)


def _rows(
    reader: Any,
    header: Sequence[str],
    columns: Mapping[str, int],
    source_default: str,
    scale: str | None,
    now: datetime | None,
) -> Iterator[tuple[int, Verdict]]:
    used = set(columns.values())
    start = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield start, InvalidFeedback(f"not valid CSV: {csv_problem(error)}")
            return
        line, start = start, reader.line_num + 1
        if not any(cell.strip() for cell in row):
            continue
        try:
            item = _row_item(row, header, columns, used, source_default, scale, now)
        except InvalidFeedback as error:
            yield line, error
        else:
            yield line, item


def _row_item(
    row: Sequence[str],
    header: Sequence[str],
    columns: Mapping[str, int],
    used: set[int],
    source_default: str,
    scale: str | None,
    now: datetime | None,
) -> FeedbackItem:
    def cell(field: str) -> str | None:
        index = columns.get(field)
        if index is None or index >= len(row):
            return None
        value = _clean(row[index])
        return value or None

    score = cell("score")
    obj: dict[str, Any] = {
        "id": cell("id") or content_id(_clean(c) for c in row),
        "source": cell("source") or source_default,
        "text": cell("text"),
        "scale": cell("scale") or (scale if score is not None else None),
        "score": score,
        "customer": {"name": cell("name"), "email": cell("email"), "account": cell("account")},
        "product": cell("product"),
        "tags": [t.strip() for t in _TAG_SPLIT.split(cell("tags") or "") if t.strip()],
    }
    item = parse_item(obj, now)
    when = cell("received_at")
    extra = {
        header[i]: _clean(value)
        for i, value in enumerate(row)
        if i < len(header) and i not in used and _clean(value)
    }
    return dataclasses.replace(
        item,
        received_at=parse_csv_time(when) if when else item.received_at,
        metadata=extra,
    )


def csv_problem(error: csv.Error) -> str:
    """What a CSV syntax error means in words an export's owner can act on."""
    if "unexpected end of data" in str(error):
        return "a quoted field starts in this row and its closing quote is missing"
    return str(error)


def parse_csv_time(value: str) -> datetime:
    """ISO-8601, or a day/month/year date when the order is unambiguous (a part above 12)."""
    match = _SLASH_DATE.match(value.strip())
    if match is None:
        return parse_received_at(value)
    first, second, year = int(match[1]), int(match[2]), int(match[3])
    if first > 12 >= second:
        day, month = first, second
    elif second > 12 >= first:
        day, month = second, first
    elif first == second:
        day = month = first
    else:
        raise InvalidFeedback(f"date {value.strip()!r} is ambiguous (day or month first?); use 2026-11-20")
    hour, minute, second_ = int(match[4] or 0), int(match[5] or 0), int(match[6] or 0)
    if match[7]:
        hour = hour % 12 + (12 if match[7].lower() == "pm" else 0)
    try:
        return datetime(year, month, day, hour, minute, second_, tzinfo=UTC)
    except ValueError:
        raise InvalidFeedback(f"date {value.strip()!r} is not a real date") from None


def _scale_hint(header: Sequence[str], columns: Mapping[str, int]) -> str | None:
    """The scale named by the score column's header ("NPS", "CSAT", "Stars"), if any."""
    if "score" not in columns:
        return None
    name = normalise_header(header[columns["score"]])
    return next((scale for hint, scale in _SCALE_HINTS if hint in name), None)


def _clean(value: str) -> str:
    return unicodedata.normalize("NFC", value.replace("\ufeff", "").replace("\u00a0", " ")).strip()
