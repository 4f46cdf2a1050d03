"""Webhook bodies: one JSON object, a JSON array, or JSON Lines, read into records (the feature validates them).

A body that cannot be read as a whole is refused here (FeedbackBodyError); an item that cannot be decoded ends
the records with one that carries the problem, so the first bad line of the body is the one named.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from adapters.http.safe_json import UnsafeJson, check_depth, decoder
from bot.core.records import Record

_JSON_LINES_TYPES = frozenset(
    {
        "application/x-ndjson",
        "application/ndjson",
        "application/jsonl",
        "application/x-jsonlines",
        "application/jsonlines",
        "application/json-seq",
        "text/jsonl",
    }
)
# Integers of more digits than any field holds are refused as they are read, not converted (a bare ValueError).
_DECODER = decoder()
# Senders often label JSON Lines as JSON or plain text, so these are accepted and the shape detected.
_DETECTED_TYPES = frozenset({"", "application/json", "text/json", "text/plain", "application/octet-stream"})


class FeedbackBodyError(ValueError):
    """A request body refused as a whole; `line` is the 1-based line of the first problem when known."""

    def __init__(self, line: int | None, reason: str) -> None:
        super().__init__(f"line {line}: {reason}" if line is not None else reason)
        self.line = line
        self.reason = reason


def read_body(raw: bytes, content_type: str | None = None) -> list[Record]:
    """Every item of a webhook body as a record, or FeedbackBodyError when the body is unreadable as a whole."""
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    if (
        media_type not in _JSON_LINES_TYPES
        and media_type not in _DETECTED_TYPES
        and not (media_type.endswith("+json"))
    ):
        raise FeedbackBodyError(None, f"unsupported content type {media_type}; send JSON or JSON Lines")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FeedbackBodyError(_line_at_byte(raw, error.start), "the body is not UTF-8 text") from None
    stripped = text.strip()
    if not stripped:
        raise FeedbackBodyError(None, "the body is empty")
    # JSON text decoded from UTF-8 holds a NUL or a lone surrogate only through a \u escape.
    plain = "\\u" not in text
    if media_type in _JSON_LINES_TYPES:
        return _json_lines(text, plain)
    if stripped.startswith("["):
        return _json_array(text, plain)
    try:
        document = _DECODER.decode(text)
    except RecursionError:
        raise FeedbackBodyError(None, "malformed JSON: nested too deeply") from None
    except UnsafeJson as error:
        raise FeedbackBodyError(_first_content_line(text), error.reason) from None
    except json.JSONDecodeError as error:
        if _first_line_is_json(text):
            return _json_lines(text, plain)
        raise FeedbackBodyError(error.lineno, json_problem(error)) from None
    return [_record(document, _first_content_line(text), plain)]


def json_problem(error: json.JSONDecodeError) -> str:
    """Why a line is no JSON, with its column ("Unterminated string starting at" ends in "at" already)."""
    return f"malformed JSON: {error.msg} (column {error.colno})"


def _first_line_is_json(text: str) -> bool:
    """Whether the first non-blank line is a JSON value by itself: the mark of JSON Lines."""
    first = next(line for line in text.splitlines() if line.strip())
    try:
        _DECODER.decode(first)
    except (json.JSONDecodeError, RecursionError, UnsafeJson):
        return False
    return True


def _json_lines(text: str, plain: bool) -> list[Record]:
    records: list[Record] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = _DECODER.decode(line)
        except json.JSONDecodeError as error:
            problem = json_problem(error)
        except RecursionError:
            problem = "malformed JSON: nested too deeply"
        except UnsafeJson as error:
            problem = error.reason
        else:
            records.append(_record(value, number, plain))
            continue
        records.append(Record(number, problem=problem))
        break
    return records


def _json_array(text: str, plain: bool) -> list[Record]:
    records: list[Record] = []
    try:
        for number, value in array_elements(text):
            records.append(_record(value, number, plain))
    except FeedbackBodyError as error:
        if not records:
            raise
        records.append(Record(error.line or 1, problem=error.reason))
    if not records:
        raise FeedbackBodyError(None, "the array holds no items")
    return records


def array_elements(text: str) -> Iterator[tuple[int, object]]:
    """Each element of a top-level JSON array with the line it starts on, so errors can name it."""
    decoder = _DECODER
    position = _skip_space(text, text.index("[") + 1)
    if position < len(text) and text[position] == "]":
        _expect_end(text, position + 1)
        return
    # Lines are counted as the array is walked, not from the start for each element (long one-line bodies).
    line, counted = 1, 0
    while True:
        line += text.count("\n", counted, position)
        counted = position
        try:
            value, end = decoder.raw_decode(text, position)
        except json.JSONDecodeError as error:
            raise FeedbackBodyError(error.lineno, f"malformed JSON: {error.msg}") from None
        except RecursionError:
            raise FeedbackBodyError(line, "malformed JSON: nested too deeply") from None
        except UnsafeJson as error:
            raise FeedbackBodyError(line, error.reason) from None
        yield line, value
        position = _skip_space(text, end)
        if position >= len(text):
            raise FeedbackBodyError(_line_of(text, position), "malformed JSON: the array is not closed")
        if text[position] == "]":
            _expect_end(text, position + 1)
            return
        if text[position] != ",":
            raise FeedbackBodyError(_line_of(text, position), "malformed JSON: expected ',' or ']'")
        position = _skip_space(text, position + 1)


def _expect_end(text: str, position: int) -> None:
    rest = _skip_space(text, position)
    if rest < len(text):
        raise FeedbackBodyError(_line_of(text, rest), "malformed JSON: extra data after the array")


def _record(value: object, line: int, plain: bool) -> Record:
    try:
        check_depth(value)
    except UnsafeJson as error:
        return Record(line, problem=error.reason)
    return Record(line, value, plain_json=plain)


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position


def _line_of(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


def _first_content_line(text: str) -> int:
    return _line_of(text, len(text) - len(text.lstrip()))


def _line_at_byte(raw: bytes, offset: int) -> int:
    return raw.count(b"\n", 0, offset) + 1
