"""CSV exports of survey and helpdesk tools as feedback records, one per row (the feature validates them)."""

from __future__ import annotations

import csv
import io
import itertools
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any

from adapters.feedback_formats.ids import content_id
from adapters.feedback_formats.mapping import InvalidMapping, normalise_header, resolve_columns
from bot.core.records import Record

_DELIMITERS = (",", ";", "\t", "|")
_SLASH_DATE = re.compile(
    r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?$"
)
_TAG_SPLIT = re.compile(r"[,;|]")
_SCALE_HINTS = (("nps", "nps"), ("recommend", "nps"), ("csat", "csat"), ("satisf", "csat"), ("star", "stars"))


class UnreadableDate(ValueError):
    """A date cell that names no one day (ambiguous or impossible); `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse_csv(
    text: str,
    mapping: Mapping[str, str] | None,
    source_default: str,
    scale_default: str | None = None,
    zone: tzinfo = UTC,
) -> Iterator[Record]:
    """A record (on the file line it starts on) for each data row of a CSV export.

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
        return iter(())  # an export of no responses: nothing to import, said as such by the command
    except csv.Error as error:
        raise InvalidMapping(f"line 1: the header row is not valid CSV: {csv_problem(error)}") from None
    columns = resolve_columns(header, mapping or {})
    scale = scale_default or _scale_hint(header, columns)
    day_first = _date_order(text, delimiter, columns.get("received_at"))
    return _rows(reader, header, columns, source_default, scale, _DateReading(day_first, zone))


def _date_order(text: str, delimiter: str, column: int | None) -> bool | None:
    """Whether the file's slashed dates put the day first (True), the month (False), or neither says (None).

    One row with a part above 12 ("20/11/2026") tells the order of all of them: an export writes every date
    the same way, so "05/12/2026" in the same file is the 5th of December.
    """
    if column is None:
        return None
    orders: set[bool] = set()
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for row in itertools.islice(rows, 1, None):
            match = _SLASH_DATE.match(row[column].strip()) if column < len(row) else None
            stated = None if match is None else _stated_order(int(match[1]), int(match[2]))
            if stated is not None:
                orders.add(stated)
    except csv.Error:
        return None  # the rows are read again, strictly, and the broken one is named there
    return orders.pop() if len(orders) == 1 else None


def _rows(
    reader: Any,
    header: Sequence[str],
    columns: Mapping[str, int],
    source_default: str,
    scale: str | None,
    dates: _DateReading,
) -> Iterator[Record]:
    used = set(columns.values())
    start = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield Record(start, problem=f"not valid CSV: {csv_problem(error)}")
            return
        line, start = start, reader.line_num + 1
        if not any(cell.strip() for cell in row):
            continue
        if any(cell.strip() for cell in row[len(header) :]):
            # Most often a comma in an unquoted text: the text would be cut there, its rest dropped.
            yield Record(
                line,
                problem=f"the row has {len(row)} cells under a header of {len(header)} (a text with an "
                f"unquoted '{reader.dialect.delimiter}'? put the text in double quotes)",
            )
            continue
        yield _row_record(line, row, header, columns, used, source_default, scale, dates)


# How survey exports write "not answered" in a score cell.
_NO_SCORE = frozenset({"n/a", "na", "n.a.", "-", "–", "—", "none", "null", "nan", "not answered", "skipped"})


def _row_record(
    line: int,
    row: Sequence[str],
    header: Sequence[str],
    columns: Mapping[str, int],
    used: set[int],
    source_default: str,
    scale: str | None,
    dates: _DateReading,
) -> Record:
    def cell(field: str) -> str | None:
        index = columns.get(field)
        if index is None or index >= len(row):
            return None
        value = _clean(row[index])
        return value or None

    score = cell("score")
    if score is not None and score.casefold() in _NO_SCORE:
        score = None
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
    # A date that names no one day is reported once the row's own fields are found valid.
    problem = None
    when = cell("received_at")
    if when:
        try:
            obj["received_at"] = parse_csv_time(when, dates.day_first, dates.zone)
        except UnreadableDate as error:
            problem = error.reason
    extra = {
        header[i]: _clean(value)
        for i, value in enumerate(row)
        if i < len(header) and i not in used and _clean(value)
    }
    return Record(line, obj, problem=problem, metadata=extra)


def csv_problem(error: csv.Error) -> str:
    """What a CSV syntax error means in words an export's owner can act on."""
    if "unexpected end of data" in str(error):
        return "a quoted field starts in this row and its closing quote is missing"
    return str(error)


@dataclass(frozen=True)
class _DateReading:
    """How a file's dates read: day or month first (None: each date must tell), and the zone of a time without
    one (an export's local time: CLUELINE_TZ)."""

    day_first: bool | None = None
    zone: tzinfo = UTC


def _stated_order(first: int, second: int) -> bool | None:
    """Whether a date's own parts say the day comes first (a first part above 12), the month (a second part
    above 12), or neither."""
    if first > 12 >= second:
        return True
    if second > 12 >= first:
        return False
    return None


def parse_csv_time(value: str, day_first: bool | None = None, zone: tzinfo = UTC) -> str:
    """A slashed date as ISO-8601, its order told by a part above 12 or else by `day_first` (what the file's other
    dates show); an ISO time without a zone placed in `zone`; a value of another form as it came."""
    match = _SLASH_DATE.match(value.strip())
    if match is None:
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            return value
        return parsed.replace(tzinfo=zone).isoformat() if parsed.tzinfo is None else value
    first, second, year = int(match[1]), int(match[2]), int(match[3])
    order = _stated_order(first, second)
    if order is None and max(first, second) <= 12:
        order = day_first
    if order is True:
        day, month = first, second
    elif order is False:
        day, month = second, first
    elif first == second:
        day = month = first
    else:
        raise UnreadableDate(
            f"date {value.strip()!r} is ambiguous (day or month first?) and no date in the file tells; write "
            f"it as {year}-{second:02d}-{first:02d} or {year}-{first:02d}-{second:02d} (year-month-day)"
        )
    hour, minute, second_ = int(match[4] or 0), int(match[5] or 0), int(match[6] or 0)
    if match[7]:
        hour = hour % 12 + (12 if match[7].lower() == "pm" else 0)
    try:
        return datetime(year, month, day, hour, minute, second_, tzinfo=zone).isoformat()
    except ValueError:
        raise UnreadableDate(f"date {value.strip()!r} is not a real date") from None


def _scale_hint(header: Sequence[str], columns: Mapping[str, int]) -> str | None:
    """The scale named by the score column's header ("NPS", "CSAT", "Stars"), if any."""
    if "score" not in columns:
        return None
    name = normalise_header(header[columns["score"]])
    return next((scale for hint, scale in _SCALE_HINTS if hint in name), None)


def _clean(value: str) -> str:
    return unicodedata.normalize("NFC", value.replace("\ufeff", "").replace("\u00a0", " ")).strip()
