"""Slack's rate limits as shared budgets: per workspace and method, and per channel for chat.postMessage.

Slack limits each method per workspace (tiers), and `chat.postMessage` also per channel (about 1/s). The
budgets live in the shared store (bot/rate_budget), so every process together keeps them; a 429 pauses the
whole (workspace, method) budget for its Retry-After, for every process (slack_sdk's own 429 handler sleeps
per coroutine and would let the others keep firing).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from bot.rate_budget.buckets import Budget, Rate
from bot.rate_budget.limiter import RateLimited, SharedLimiter
from bot.rate_budget.store import MemoryBudgetStore, RateBudgetStore

__all__ = ["METHOD_RATES", "Rate", "RateLimited", "SlackRateLimiter"]

# Slack's documented tiers are per minute and "+" minimums; bursts are allowed but not published.
TIER_1 = Rate(1 / 60, 1)
TIER_2 = Rate(20 / 60, 5)
TIER_3 = Rate(50 / 60, 10)
TIER_4 = Rate(100 / 60, 20)
# chat.postMessage is "special": about 1/s per channel, "several hundred a minute" per workspace.
POST_MESSAGE_WORKSPACE = Rate(5.0, 50)
# Slack counts the channel's calls by its own clock, and a call may leave a little after its turn (a busy
# process): the burst's last call, and so every later one, keeps half a second more from the burst's first.
# A quarter second was too little on a loaded machine: a burst's fourth post reached Slack 0.92 s after its
# first there (a 429, retried).
POST_MESSAGE_CHANNEL = Rate(1.0, 3, margin=0.5)

METHOD_RATES: dict[str, Rate] = {
    "chat.postMessage": POST_MESSAGE_WORKSPACE,
    "chat.postEphemeral": TIER_4,
    "chat.update": TIER_3,
    "chat.delete": TIER_3,
    "conversations.history": TIER_3,  # a resumed send's lookup (Tier 1 for non-Marketplace distributed apps)
    "conversations.members": TIER_4,
    "conversations.open": TIER_3,
    "users.info": TIER_4,
    "users.list": TIER_2,
    "usergroups.users.list": TIER_2,
    "views.open": TIER_4,
    "views.publish": TIER_4,
    "views.update": TIER_4,
    "files.getUploadURLExternal": TIER_4,
    "files.completeUploadExternal": TIER_4,
    "auth.test": Rate(10.0, 50),
}
DEFAULT_RATE = TIER_3
PER_CHANNEL_METHODS = {"chat.postMessage": POST_MESSAGE_CHANNEL}


class SlackRateLimiter:
    """`await acquire(workspace, method, channel)` before every call; `await pause(...)` on a 429."""

    def __init__(
        self,
        rates: dict[str, Rate] | None = None,
        *,
        store: RateBudgetStore | None = None,
        max_wait: float = 10.0,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], object] = asyncio.sleep,
    ) -> None:
        self._rates = {**METHOD_RATES, **(rates or {})}
        self._max_wait = max_wait
        self._shared = SharedLimiter(store or MemoryBudgetStore(), clock=clock, sleep=sleep)

    def _budgets(self, workspace: str, method: str, channel: str | None) -> list[Budget]:
        budgets = [Budget(_key(workspace, method), (self._rates.get(method, DEFAULT_RATE),))]
        if channel and method in PER_CHANNEL_METHODS:
            budgets.append(Budget(_key(workspace, method, channel), (PER_CHANNEL_METHODS[method],)))
        return budgets

    async def acquire(self, workspace: str, method: str, channel: str | None = None) -> None:
        """Wait for a turn to call `method`; raises RateLimited when that would exceed `max_wait`."""
        await self._shared.acquire(self._budgets(workspace, method, channel), self._max_wait, what=method)

    async def paused_for(self, workspace: str, method: str) -> float:
        """Seconds left of a 429 window on that method (0 when none)."""
        return await self._shared.paused_for(_key(workspace, method))

    async def pause(self, workspace: str, method: str, retry_after: float) -> None:
        """Slack answered 429: no process calls `method` in `workspace` for `retry_after` seconds."""
        await self._shared.pause(_key(workspace, method), retry_after)

    async def close(self) -> None:
        """Release the shared store's connections."""
        await self._shared.close()


def _key(workspace: str, method: str, channel: str = "") -> str:
    return f"slack:{workspace}:{method}" + (f":{channel}" if channel else "")
