"""Reading a Bot Framework activity's JSON without trusting its shape: wrong types read as absent."""

from __future__ import annotations

from typing import Any


def obj(data: Any, key: str) -> dict[str, Any]:
    """The object under `key` (empty when absent or not an object)."""
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, dict) else {}


def objects(data: Any, key: str) -> list[dict[str, Any]]:
    """The objects of the list under `key` (anything else in it is skipped)."""
    value = data.get(key) if isinstance(data, dict) else None
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def text(data: Any, key: str) -> str | None:
    """The string under `key` (numbers as their text; None when absent, empty or of another type)."""
    value = data.get(key) if isinstance(data, dict) else None
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return str(value)
    return value if isinstance(value, str) and value else None
