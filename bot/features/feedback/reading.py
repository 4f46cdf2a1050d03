"""Reading import files: the feature's view of the file-format edge, which the composition root provides."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from bot.features.feedback.items import FeedbackItem, InvalidFeedback

Verdict = FeedbackItem | InvalidFeedback


class UnreadableFile(ValueError):
    """An import file that cannot be read at all (bad column mapping, no text column); `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class FeedbackFileReader(Protocol):
    """Turns an import file (CSV with a column mapping, JSON Lines, a JSON array) into verdicts per line."""

    def read(
        self,
        raw: bytes,
        filename: str,
        *,
        mapping: str | None = None,
        source: str | None = None,
        now: datetime | None = None,
    ) -> Iterable[tuple[int, Verdict]]:
        """(line, item or why it was refused) per item; raises UnreadableFile for the file as a whole."""
        ...

