"""Teams' send limits as shared budgets: per conversation (7/1 s, 8/2 s, 60/30 s, 1800/h) and per tenant (30/s).

Microsoft states them as windows (so many requests in so many seconds); each window becomes a token bucket
that can never let more than that many through in any such window (`window_rate`). The budgets live in the
shared store (bot/rate_budget), so every process together keeps them. A 429 pauses the whole conversation
(or tenant) for the `Retry-After` the service gave, for every process.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable

from bot.rate_budget.buckets import Budget, Rate
from bot.rate_budget.limiter import SharedLimiter
from bot.rate_budget.store import MemoryBudgetStore, RateBudgetStore

# (requests, seconds): Microsoft's per-bot-per-thread limits for sending to a conversation.
CONVERSATION_WINDOWS: tuple[tuple[int, float], ...] = ((7, 1.0), (8, 2.0), (60, 30.0), (1800, 3600.0))
# The documented global ceiling per app per tenant is 30 to 50 requests a second: keep to the lower one.
TENANT_WINDOWS: tuple[tuple[int, float], ...] = ((30, 1.0),)
# Requests arrive at the service later and less evenly than they leave here (a busy host delays one more than
# the next: 0.15 s once let a call through early in CI); a margin on every window, as on Slack,
# keeps them inside its limits as it counts them.
WINDOW_MARGIN_SECONDS = 0.25


def window_rate(count: int, seconds: float, margin: float = WINDOW_MARGIN_SECONDS) -> Rate:
    """A bucket that lets at most `count` requests into any `seconds` (+ margin) window: half of them as a burst.

    With burst b and interval i, the (n)th request after a first one leaves at least (n - b)·i + margin
    later; for n = count + 1 that is `seconds` + margin when i = seconds / (count + 1 - b).
    """
    burst = math.ceil(count / 2)
    return Rate(per_second=(count + 1 - burst) / seconds, burst=burst, margin=margin)


def window_rates(windows: tuple[tuple[int, float], ...]) -> tuple[Rate, ...]:
    """One bucket per window."""
    return tuple(window_rate(count, seconds) for count, seconds in windows)


class TeamsLimiter:
    """Every Teams API call takes a turn in its conversation's budget and its tenant's."""

    def __init__(
        self,
        store: RateBudgetStore | None = None,
        *,
        conversation_windows: tuple[tuple[int, float], ...] = CONVERSATION_WINDOWS,
        tenant_windows: tuple[tuple[int, float], ...] = TENANT_WINDOWS,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], object] = asyncio.sleep,
    ) -> None:
        self._conversation_rates = window_rates(conversation_windows)
        self._tenant_rates = window_rates(tenant_windows)
        self._shared = SharedLimiter(store or MemoryBudgetStore(), clock=clock, sleep=sleep)

    async def acquire(self, tenant: str, conversation: str | None) -> None:
        """Wait until a request to `conversation` (None: a tenant-wide call) in `tenant` keeps every limit."""
        budgets = [Budget(_tenant_key(tenant), self._tenant_rates)]
        if conversation is not None:
            budgets.append(Budget(_conversation_key(conversation), self._conversation_rates))
        await self._shared.acquire(budgets, what="Teams")

    async def pause(self, tenant: str, conversation: str | None, seconds: float) -> None:
        """Hold every request to the conversation (or, with None, the whole tenant) for `seconds`."""
        key = _conversation_key(conversation) if conversation is not None else _tenant_key(tenant)
        await self._shared.pause(key, seconds)

    async def close(self) -> None:
        """Release the shared store's connections."""
        await self._shared.close()


def _tenant_key(tenant: str) -> str:
    return f"teams:tenant:{tenant}"


def _conversation_key(conversation: str) -> str:
    return f"teams:conversation:{conversation}"
