"""CSV files: question,answer pairs (one FAQ chunk each) or a campaign calendar."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

from knowledge.ingest.errors import UnreadableFile

FAQ_COLUMNS = ("question", "answer")
CALENDAR_COLUMNS = ("name", "start")


def read_rows(raw: str, path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """The lower-cased header and the rows of a CSV file with a header line."""
    try:
        sample = raw[:4096]
        dialect: type[csv.Dialect] | csv.Dialect
        try:
            dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        reader = csv.reader(io.StringIO(raw), dialect)
        rows = list(reader)
    except csv.Error as exc:
        raise UnreadableFile(path, f"not valid CSV ({exc})") from exc
    if not rows:
        raise UnreadableFile(path, "the CSV file is empty")
    header = [h.strip().lower() for h in rows[0]]
    records = [
        {header[i]: cell.strip() for i, cell in enumerate(row) if i < len(header)}
        for row in rows[1:]
        if any(cell.strip() for cell in row)
    ]
    return header, records


def is_faq(header: list[str]) -> bool:
    """True for a CSV of question,answer pairs."""
    return all(c in header for c in FAQ_COLUMNS)


def is_calendar(header: list[str]) -> bool:
    """True for a campaign calendar CSV (name,start,end,audience,brief)."""
    return all(c in header for c in CALENDAR_COLUMNS)


def faq_pairs(records: list[dict[str, str]]) -> Iterator[dict[str, str]]:
    """Rows that have both a question and an answer."""
    for record in records:
        if record.get("question") and record.get("answer"):
            yield record
