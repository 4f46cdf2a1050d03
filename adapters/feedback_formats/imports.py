"""Import files (CSV, JSON Lines, a JSON array): decoding and one verdict per item."""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import PurePath

from adapters.feedback_formats.body import FeedbackBodyError, array_elements
from adapters.feedback_formats.csv_rows import Verdict, parse_csv
from adapters.feedback_formats.ids import with_content_id
from adapters.http.safe_json import UnsafeJson, decoder
from bot.features.feedback.items import InvalidFeedback, parse_item

_CSV_SUFFIXES = frozenset({".csv", ".tsv", ".txt"})
_JSON_SUFFIXES = frozenset({".jsonl", ".ndjson", ".json"})
_DECODER = decoder()


def decode_import(raw: bytes) -> str:
    """File bytes as text: UTF-8 or UTF-16 by their byte-order mark, else UTF-8, else Windows-1252."""
    if raw.startswith(codecs.BOM_UTF8):
        return raw[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16", errors="replace")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        # Excel on Windows still writes CSV in the ANSI code page.
        return raw.decode("cp1252", errors="replace")


def parse_jsonl(text: str, now: datetime | None = None) -> Iterator[tuple[int, Verdict]]:
    """(line number, item or the reason it was refused) for each non-blank line of JSON Lines."""
    for number, line in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = _DECODER.decode(line)
        except UnsafeJson as error:
            yield number, InvalidFeedback(error.reason)
            continue
        except json.JSONDecodeError as error:
            yield number, InvalidFeedback(f"malformed JSON: {error.msg} at column {error.colno}")
            continue
        except RecursionError:
            yield number, InvalidFeedback("malformed JSON: nested too deeply")
            continue
        try:
            yield number, parse_item(with_content_id(value), now)
        except InvalidFeedback as error:
            yield number, error


def parse_json_array(text: str, now: datetime | None = None) -> Iterator[tuple[int, Verdict]]:
    """(line, verdict) for each element of a JSON array; a syntax error ends the file with that error."""
    try:
        for number, value in array_elements(text):
            try:
                yield number, parse_item(with_content_id(value), now)
            except InvalidFeedback as error:
                yield number, error
    except FeedbackBodyError as error:
        yield error.line or 1, InvalidFeedback(error.reason)


def parse_import(
    raw: bytes,
    filename: str,
    mapping: Mapping[str, str] | None = None,
    source_default: str | None = None,
    scale_default: str | None = None,
    now: datetime | None = None,
) -> Iterator[tuple[int, Verdict]]:
    """Verdicts for an import file, its format told by its extension or else by its content.

    CSV rows without a source column take `source_default`, or the file's name without extension.
    Raises InvalidMapping (CSV only) when the header cannot be mapped.
    """
    text = decode_import(raw)
    suffix = PurePath(filename).suffix.lower()
    first = text.lstrip("\ufeff \t\r\n")[:1]
    is_json = suffix in _JSON_SUFFIXES or (suffix not in _CSV_SUFFIXES and first in ("{", "["))
    if is_json:
        return parse_json_array(text, now) if first == "[" else parse_jsonl(text, now)
    source = source_default or PurePath(filename).stem or "import"
    return parse_csv(text, mapping, source, scale_default, now)
