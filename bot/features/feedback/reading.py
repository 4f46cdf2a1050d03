"""Reading import files: the feature's view of the file-format edge, which the composition root provides."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from bot.features.feedback.items import FeedbackItem, InvalidFeedback

if TYPE_CHECKING:
    from bot.runtime import Runtime

SERVICE = "feedback.file_reader"
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


def file_reader(runtime: Runtime) -> FeedbackFileReader:
    """The reader the composition root registered."""
    reader = runtime.services.get(SERVICE)
    if reader is None:
        raise UnreadableFile("no feedback file reader is configured in this process")
    return reader  # type: ignore[return-value]
