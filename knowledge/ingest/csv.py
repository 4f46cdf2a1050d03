"""CSV files: question,answer pairs (one FAQ chunk each) or a campaign calendar."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

from knowledge.ingest.errors import UnreadableFile

FAQ_COLUMNS = ("question", "answer")
CALENDAR_COLUMNS = ("name", "start")


# A CSV row: the file line it starts on, and its cells by lower-cased header.
Row = tuple[int, dict[str, str]]


def read_rows(raw: str, path: Path) -> tuple[list[str], list[Row]]:
    """The lower-cased header and the rows (blank ones left out) of a CSV file with a header line."""
    sample = raw[:4096]
    dialect: type[csv.Dialect] | csv.Dialect
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    # Strict: an unclosed quote is an error, not a cell that swallows every row after it.
    reader = csv.reader(io.StringIO(raw, newline=""), dialect, strict=True)
    rows: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for row in reader:
            rows.append((start, row))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise UnreadableFile(path, f"line {start}: not valid CSV ({exc})") from exc
    if not rows:
        raise UnreadableFile(path, "the CSV file is empty")
    header = [h.strip().lower() for h in rows[0][1]]
    records = [
        (line, {header[i]: cell.strip() for i, cell in enumerate(row) if i < len(header)})
        for line, row in rows[1:]
        if any(cell.strip() for cell in row)
    ]
    return header, records


def is_faq(header: list[str]) -> bool:
    """True for a CSV of question,answer pairs."""
    return all(c in header for c in FAQ_COLUMNS)


def is_calendar(header: list[str]) -> bool:
    """True for a campaign calendar CSV (name,start,end,audience,brief)."""
    return all(c in header for c in CALENDAR_COLUMNS)


def faq_pairs(records: list[Row], path: Path) -> Iterator[dict[str, str]]:
    """Each row's question and answer; a row with only one of them is an error that names its line."""
    for line, record in records:
        if not (record.get("question") and record.get("answer")):
            missing = "answer" if record.get("question") else "question"
            raise UnreadableFile(path, f"line {line}: the row has no {missing} (FAQ rows need both)")
        yield record
