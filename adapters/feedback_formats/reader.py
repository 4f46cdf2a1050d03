"""The import-file reader the feedback feature uses: this package's parsers behind the feature's protocol."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, tzinfo

from adapters.feedback_formats.imports import parse_import
from adapters.feedback_formats.mapping import InvalidMapping, parse_mapping
from bot.core.records import Record, UnreadableRecords

# The first bytes of Excel workbooks: .xlsx (and .ods) are zip files, .xls an OLE compound file.
_SPREADSHEET_SIGNATURES = (b"PK\x03\x04", bytes.fromhex("d0cf11e0a1b11ae1"))


class FileReader:
    """Reads CSV (with `--map`), JSON Lines and JSON array files into records, one per item; a CSV export's time
    without a zone is in `zone` (the company's, CLUELINE_TZ)."""

    def __init__(self, zone: tzinfo = UTC) -> None:
        self._zone = zone

    def read(
        self, raw: bytes, filename: str, *, mapping: str | None = None, source: str | None = None
    ) -> Iterable[Record]:
        """A record per item; UnreadableRecords when the file cannot be read at all."""
        if raw.startswith(_SPREADSHEET_SIGNATURES):
            # An .xlsx is a zip, an .xls an OLE file: read as text, it has no columns to map.
            raise UnreadableRecords(
                f"{filename} is a spreadsheet workbook, not CSV or JSON; save it as CSV (File › Save As) and import that"
            )
        try:
            columns = parse_mapping(mapping) if mapping else None
            return _guarded(parse_import(raw, filename, columns, source, None, self._zone))
        except InvalidMapping as error:
            raise UnreadableRecords(error.reason) from None


def _guarded(records: Iterator[Record]) -> Iterator[Record]:
    try:
        yield from records
    except InvalidMapping as error:
        raise UnreadableRecords(error.reason) from None
