"""The import-file reader the feedback feature uses: this package's parsers behind the feature's protocol."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime

from adapters.feedback_formats.imports import parse_import
from adapters.feedback_formats.mapping import InvalidMapping, parse_mapping
from bot.features.feedback.reading import UnreadableFile, Verdict


class FileReader:
    """Reads CSV (with `--map`), JSON Lines and JSON array files into per-line verdicts."""

    def read(
        self,
        raw: bytes,
        filename: str,
        *,
        mapping: str | None = None,
        source: str | None = None,
        now: datetime | None = None,
    ) -> Iterable[tuple[int, Verdict]]:
        """(line, item or why it was refused); UnreadableFile when the file cannot be read at all."""
        try:
            columns = parse_mapping(mapping) if mapping else None
            verdicts = parse_import(raw, filename, columns, source, None, now)
            return _guarded(verdicts)
        except InvalidMapping as error:
            raise UnreadableFile(error.reason) from None


def _guarded(verdicts: Iterator[tuple[int, Verdict]]) -> Iterator[tuple[int, Verdict]]:
    try:
        yield from verdicts
    except InvalidMapping as error:
        raise UnreadableFile(error.reason) from None
