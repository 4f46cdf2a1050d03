"""A small map whose entries are forgotten `ttl` seconds after they were put (read again from the store then).

Installation tokens change when a workspace reinstalls the app through another instance; an entry kept
forever would keep the revoked token here.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class ExpiringCache(Generic[K, V]):
    """Values by key, each valid for `ttl` seconds after it was put."""

    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl
        self._clock = clock
        self._entries: dict[K, tuple[float, V]] = {}

    def get(self, key: K) -> V | None:
        """The value, unless it is missing or too old."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires, value = entry
        if self._clock() >= expires:
            del self._entries[key]
            return None
        return value

    def put(self, key: K, value: V) -> None:
        """Keep `value` for `ttl` seconds from now."""
        self._entries[key] = (self._clock() + self._ttl, value)

    def pop(self, key: K) -> None:
        """Forget the key's value (if any)."""
        self._entries.pop(key, None)
