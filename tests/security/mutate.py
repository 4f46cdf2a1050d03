"""Hypothesis strategies: real payloads with a few fields replaced by anything JSON can hold, or dropped."""

from __future__ import annotations

import copy
import json
import time
from typing import Any

from hypothesis import strategies as st

# A string the tests swap, after json.dumps, for raw JSON text that json.dumps cannot write or that nests deep.
RAW = "@@raw@@"
RAW_TEXTS = [
    "9" * 5000,
    "-" + "1" * 200,
    "[" * 3000 + "]" * 3000,
    '{"a":' * 200 + "1" + "}" * 200,
    "1e999",
    "NaN",
]

# Values that broke something once (issue 14), drawn as often as everything else together.
SPECIAL = [
    "",
    "0001-01-01T00:00:00+05:00",
    "9999-12-31T23:00:00-05:00",
    "\ud800",
    "\x00",
    RAW,
    RAW,
    -1,
    2**64,
]
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
json_values = st.sampled_from(SPECIAL) | st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON value (the value itself first)."""
    found = [prefix]
    if isinstance(value, dict):
        for key, inner in value.items():
            found += paths(inner, (*prefix, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found += paths(inner, (*prefix, index))
    return found


def _replace(value: Any, path: tuple[Any, ...], new: Any, drop: bool) -> Any:
    if not path:
        return new
    parent = value
    for step in path[:-1]:
        parent = parent[step]
    if drop and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = new
    return value


@st.composite
def mutated(draw: st.DrawFn, base: Any, extra: st.SearchStrategy[Any] = json_values) -> Any:
    """`base` with one to three places replaced by a drawn value (or a key dropped)."""
    value = copy.deepcopy(base)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        path = draw(st.sampled_from(paths(value)))
        value = _replace(value, path, draw(extra), draw(st.booleans()))
    return value


@st.composite
def json_text(draw: st.DrawFn, value: Any) -> str:
    """`value` as JSON, with each RAW marker swapped for one of the raw texts."""
    text = json.dumps(value, ensure_ascii=draw(st.booleans()))
    if not text.isascii() and any("\ud800" <= ch <= "\udfff" for ch in text):
        text = json.dumps(value)  # a lone surrogate travels only as a \u escape in UTF-8 JSON
    while f'"{RAW}"' in text:
        text = text.replace(f'"{RAW}"', draw(st.sampled_from(RAW_TEXTS)), 1)
    return text


header_bytes = st.binary(max_size=80).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b"").lstrip())
# Header values that pass a first glance: a fresh timestamp, a v0= signature of the right length.
timestamps = header_bytes | st.builds(lambda: str(int(time.time())).encode())
signatures = header_bytes | st.text(min_size=64, max_size=64).map(
    lambda t: ("v0=" + t).encode("utf-8", "replace")
)
