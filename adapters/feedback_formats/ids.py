"""The one rule for ids of imported items: a row without one gets a stable id derived from its content."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

PREFIX = "row-"


def content_id(parts: Iterable[str]) -> str:
    """`row-` and 20 hex digits of the SHA-256 of the parts: the same row imported twice is a duplicate."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return f"{PREFIX}{digest[:20]}"


def with_content_id(value: object) -> object:
    """A JSON object without an id (absent, null or blank) gets one from its canonical JSON; else unchanged."""
    if not isinstance(value, Mapping) or not _missing(value.get("id")):
        return value
    rest: dict[str, Any] = {key: item for key, item in value.items() if key != "id"}
    canonical = json.dumps(rest, sort_keys=True, separators=(",", ":"))
    return {**rest, "id": content_id([canonical])}


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
