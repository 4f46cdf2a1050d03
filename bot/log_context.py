"""Fields that describe the work under way (event id, platform, feature), added to every log line it writes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

# A context variable, not a logger adapter: each event is handled in its own task, which copies the context,
# so concurrent events never see each other's fields, and libraries' lines get them too.
_FIELDS: ContextVar[dict[str, str] | None] = ContextVar("clueline_log_fields", default=None)


def current_fields() -> dict[str, str]:
    """The fields of the work under way (empty outside any)."""
    return _FIELDS.get() or {}


@contextmanager
def log_fields(**fields: str) -> Iterator[None]:
    """Add `fields` to the lines logged inside the block."""
    token = _FIELDS.set({**current_fields(), **fields})
    try:
        yield
    finally:
        _FIELDS.reset(token)


def add_log_field(name: str, value: str) -> None:
    """Add one field for the rest of the current block (e.g. the feature, once the event is routed)."""
    _FIELDS.set({**current_fields(), name: value})
