"""Teams' send limits as sliding windows: per conversation (7/1 s, 8/2 s, 60/30 s) and per tenant (30/s).

Every outbound call waits here for a slot first. A 429 pauses the whole conversation (or tenant) for the
`Retry-After` the service gave, so concurrent senders to the same place back off together.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

# (requests, seconds): Microsoft's per-bot-per-thread limits for sending to a conversation.
CONVERSATION_WINDOWS: tuple[tuple[int, float], ...] = ((7, 1.0), (8, 2.0), (60, 30.0), (1800, 3600.0))
# The documented global ceiling per app per tenant is 30 to 50 requests a second: keep to the lower one.
TENANT_WINDOWS: tuple[tuple[int, float], ...] = ((30, 1.0),)
# Requests arrive at the service later and less evenly than they leave here; a small margin on every window
# keeps them inside its limits as it counts them.
WINDOW_MARGIN_SECONDS = 0.15


@dataclass
class SlidingWindows:
    """Start times of recent requests of one key, checked against several (count, seconds) windows."""

    windows: tuple[tuple[int, float], ...]
    margin: float = WINDOW_MARGIN_SECONDS
    starts: deque[float] = field(default_factory=deque)
    paused_until: float = 0.0

    def wait_needed(self, now: float) -> float:
        """Seconds until one more request fits every window (0 when it fits now)."""
        longest = max(seconds for _, seconds in self.windows) + self.margin
        while self.starts and self.starts[0] <= now - longest:
            self.starts.popleft()
        wait = max(0.0, self.paused_until - now)
        for count, seconds in self.windows:
            span = seconds + self.margin
            inside = [start for start in self.starts if start > now - span]
            if len(inside) >= count:
                # The oldest request that must leave the window before another one fits.
                wait = max(wait, inside[len(inside) - count] + span - now)
        return wait


class TeamsLimiter:
    """One per process: every Teams API call takes a slot for its conversation and its tenant."""

    def __init__(
        self,
        conversation_windows: tuple[tuple[int, float], ...] = CONVERSATION_WINDOWS,
        tenant_windows: tuple[tuple[int, float], ...] = TENANT_WINDOWS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._conversation_windows = conversation_windows
        self._tenant_windows = tenant_windows
        self._clock = clock
        self._conversations: dict[str, SlidingWindows] = {}
        self._tenants: dict[str, SlidingWindows] = {}
        self._lock = asyncio.Lock()

    async def acquire(self, tenant: str, conversation: str | None) -> None:
        """Wait until a request to `conversation` (None: a tenant-wide call) in `tenant` keeps every limit."""
        tenant_windows = self._tenants.setdefault(tenant, SlidingWindows(self._tenant_windows))
        conversation_windows = (
            self._conversations.setdefault(conversation, SlidingWindows(self._conversation_windows))
            if conversation is not None
            else None
        )
        while True:
            async with self._lock:
                now = self._clock()
                wait = tenant_windows.wait_needed(now)
                if conversation_windows is not None:
                    wait = max(wait, conversation_windows.wait_needed(now))
                if wait <= 0:
                    tenant_windows.starts.append(now)
                    if conversation_windows is not None:
                        conversation_windows.starts.append(now)
                    return
            await asyncio.sleep(wait)

    def pause(self, tenant: str, conversation: str | None, seconds: float) -> None:
        """Hold every request to the conversation (or, with None, the whole tenant) for `seconds`."""
        until = self._clock() + max(0.0, seconds)
        if conversation is not None:
            windows = self._conversations.setdefault(conversation, SlidingWindows(self._conversation_windows))
        else:
            windows = self._tenants.setdefault(tenant, SlidingWindows(self._tenant_windows))
        windows.paused_until = max(windows.paused_until, until)
