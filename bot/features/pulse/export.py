"""CSV export of pulse results and comments, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Final

# A cell starting with one of these is read as a formula by Excel, LibreOffice and Google Sheets.
_FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value: object) -> str:
    """The cell's text, prefixed with a single quote when a spreadsheet would run it as a formula.

    Numbers we computed (an eNPS of -20) are written as they are: they cannot carry a formula.
    """
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def results_csv(rows: Sequence[Mapping[str, object]]) -> str:
    """Results (one row per pulse, run or segment) as CSV, with columns in first-seen key order."""
    columns: list[str] = []
    for row in rows:
        columns += [key for key in row if key not in columns]
    return _csv([columns, *([row.get(column) for column in columns] for row in rows)])


def comments_csv(comments: Iterable[str]) -> str:
    """Comments as a one-column CSV, sorted so their order says nothing about when they were written."""
    return _csv([["comment"], *([comment] for comment in sorted(comments))])


def _csv(rows: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([escape_cell(cell) for cell in row])
    return buffer.getvalue()
