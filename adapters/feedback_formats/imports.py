"""Import files (CSV, JSON Lines, a JSON array): decoding, and one record per item (the feature validates them)."""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator, Mapping
from datetime import UTC, tzinfo
from pathlib import PurePath

from adapters.feedback_formats.body import FeedbackBodyError, array_elements, json_problem
from adapters.feedback_formats.csv_rows import parse_csv
from adapters.feedback_formats.ids import with_content_id
from adapters.http.safe_json import UnsafeJson, decoder
from bot.core.records import Record

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


def parse_jsonl(text: str) -> Iterator[Record]:
    """A record for each non-blank line of JSON Lines (a line that is no JSON carries why)."""
    for number, line in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = _DECODER.decode(line)
        except UnsafeJson as error:
            yield Record(number, problem=error.reason)
        except json.JSONDecodeError as error:
            yield Record(number, problem=json_problem(error))
        except RecursionError:
            yield Record(number, problem="malformed JSON: nested too deeply")
        else:
            yield Record(number, with_content_id(value))


def parse_json_array(text: str) -> Iterator[Record]:
    """A record for each element of a JSON array; a syntax error ends the file with a record saying so."""
    try:
        for number, value in array_elements(text):
            yield Record(number, with_content_id(value))
    except FeedbackBodyError as error:
        yield Record(error.line or 1, problem=error.reason)


def parse_import(
    raw: bytes,
    filename: str,
    mapping: Mapping[str, str] | None = None,
    source_default: str | None = None,
    scale_default: str | None = None,
    zone: tzinfo = UTC,
) -> Iterator[Record]:
    """Records of an import file, its format told by its extension or else by its content (a CSV time without a
    zone is in `zone`).

    CSV rows without a source column take `source_default`, or the file's name without extension.
    Raises InvalidMapping (CSV only) when the header cannot be mapped.
    """
    text = decode_import(raw)
    suffix = PurePath(filename).suffix.lower()
    first = text.lstrip("\ufeff \t\r\n")[:1]
    is_json = suffix in _JSON_SUFFIXES or (suffix not in _CSV_SUFFIXES and first in ("{", "["))
    if is_json:
        return parse_json_array(text) if first == "[" else parse_jsonl(text)
    source = source_default or PurePath(filename).stem or "import"
    return parse_csv(text, mapping, source, scale_default, zone)
