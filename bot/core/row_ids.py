"""Ids of stored rows as people type them and buttons carry them: a number too large for any row is no id."""

from __future__ import annotations

from typing import Final

# The largest id a row can have (a signed 64-bit integer, in SQLite and PostgreSQL alike).
MAX_ROW_ID: Final = 2**63 - 1


def row_id(text: str) -> int | None:
    """The row id in `text` ("3", "#3"), or None when it is not a whole number a row could have."""
    cleaned = text.strip().lstrip("#")
    if not (cleaned.isascii() and cleaned.isdigit()):
        return None
    number = int(cleaned)
    return number if 0 < number <= MAX_ROW_ID else None


def row_id_argument(text: str) -> int:
    """argparse's type for an id argument: refused, as argparse refuses, when no row could have it."""
    number = row_id(text)
    if number is None:
        raise ValueError(text)
    return number


# argparse names the type in its refusal: "invalid id value: '999…'".
row_id_argument.__name__ = "id"
