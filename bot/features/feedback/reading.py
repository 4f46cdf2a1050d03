"""Reading import files: the feature's view of the file-format edge, which the composition root provides."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Protocol

from bot.core.records import Record
from bot.customer_voice.items import FeedbackItem, InvalidFeedback, validate_record

Verdict = FeedbackItem | InvalidFeedback


class FeedbackFileReader(Protocol):
    """Turns an import file (CSV with a column mapping, JSON Lines, a JSON array) into records, one per item."""

    def read(
        self, raw: bytes, filename: str, *, mapping: str | None = None, source: str | None = None
    ) -> Iterable[Record]:
        """A record per item (not validated); raises UnreadableRecords for the file as a whole."""
        ...


def verdicts(records: Iterable[Record], now: datetime | None = None) -> Iterator[tuple[int, Verdict]]:
    """(line, item or why it was refused) for each record of a file."""
    for record in records:
        try:
            yield record.line, validate_record(record, now)
        except InvalidFeedback as error:
            yield record.line, error
