"""JSON from strangers: parsed with a limit on nesting depth and on the digits of an integer.

The standard parser recurses per level (a deep document raises RecursionError, and code walking the result
recurses too) and turns digits into an int however many there are (past 4,300 a bare ValueError). Both
become UnsafeJson here, a ValueError with a reason that quotes nothing of the document; so does a string that
is no text (a lone UTF-16 surrogate).
"""

from __future__ import annotations

import functools
import json
import math
from typing import Any

MAX_DEPTH = 64
_SURROGATE = "a string holds a lone UTF-16 surrogate, which is not text"
MAX_INT_DIGITS = 100


class UnsafeJson(ValueError):
    """A document refused: not JSON, nested deeper than MAX_DEPTH, or a number too long to be one."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def bounded_int(digits: str) -> int:
    """`parse_int` for the json module: an integer of at most MAX_INT_DIGITS digits."""
    if len(digits.lstrip("-")) > MAX_INT_DIGITS:
        raise UnsafeJson(f"a number has more than {MAX_INT_DIGITS} digits")
    return int(digits)


def finite_float(text: str) -> float:
    """`parse_float` for the json module: a number that fits a float (1e400 would be Infinity, no JSON value)."""
    value = float(text)
    if not math.isfinite(value):
        raise UnsafeJson(f"the number {text[:20]} is too large")
    return value


def _no_constant(name: str) -> Any:
    # NaN and Infinity are Python's extension, not JSON; nothing we receive sends them.
    raise UnsafeJson(f"{name} is not a JSON value")


@functools.cache
def decoder() -> json.JSONDecoder:
    """A decoder with the integer and constant limits (the depth is checked on its result: `check_depth`).

    One for the process: it keeps no state between documents, and making one costs a third of parsing an event.
    """
    return json.JSONDecoder(parse_int=bounded_int, parse_float=finite_float, parse_constant=_no_constant)


def _opened_at_most(text: str, limit: int) -> bool:
    """Whether `text` opens at most `limit` arrays and objects (brackets inside strings counted too)."""
    return text.count("{") + text.count("[") <= limit


def check_depth(value: object, limit: int = MAX_DEPTH) -> None:
    """Raise UnsafeJson when arrays and objects nest deeper than `limit` (walked without recursion)."""
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        current, depth = stack.pop()
        if isinstance(current, dict):
            children: Any = current.values()
        elif isinstance(current, list):
            children = current
        else:
            continue
        if depth > limit:
            raise UnsafeJson(f"the JSON nests deeper than {limit} levels")
        stack.extend((child, depth + 1) for child in children)


def loads(data: str | bytes, *, max_depth: int = MAX_DEPTH) -> Any:
    """Parse a whole JSON document (bytes must be UTF-8), or raise UnsafeJson."""
    try:
        if isinstance(data, bytes):
            text = data.decode("utf-8")  # UTF-8 holds no lone surrogate
        else:
            data.encode("utf-8")  # given as str, it may: checked as it is, at C speed
            text = data
        value = decoder().decode(text)
    except UnicodeDecodeError:
        raise UnsafeJson("the body is not UTF-8 text") from None
    except UnicodeEncodeError:
        raise UnsafeJson(_SURROGATE) from None
    except RecursionError:
        raise UnsafeJson(f"the JSON nests deeper than {max_depth} levels") from None
    except json.JSONDecodeError as error:
        raise UnsafeJson(f"malformed JSON: {error.msg}") from None
    if not _opened_at_most(text, max_depth):  # nesting cannot be deeper than the brackets opened: most bodies
        check_depth(value, max_depth)
    if "\\u" in text:  # what is left: an escape ("\\ud800") that makes one
        check_text(value)
    return value


def check_text(value: object) -> None:
    """Raise UnsafeJson when a string (or key) holds a lone UTF-16 surrogate ("\\ud800"): valid JSON, but no
    text, and every later encoding of it (a hash of an event id, a database row) would fail."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise UnsafeJson(_SURROGATE) from None
