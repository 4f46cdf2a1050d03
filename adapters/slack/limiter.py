"""One rate limiter per process for every Slack Web API call: token buckets per workspace and method.

Slack limits each method per workspace (tiers), and `chat.postMessage` also per channel (about 1/s). A 429
pauses the whole (workspace, method) bucket for its Retry-After, so no coroutine calls that method inside
the window (slack_sdk's own 429 handler sleeps per coroutine and would let the others keep firing).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Rate:
    """A sustained rate (calls a second) with a burst allowance."""

    per_second: float
    burst: float


# Slack's documented tiers are per minute and "+" minimums; bursts are allowed but not published.
TIER_1 = Rate(1 / 60, 1)
TIER_2 = Rate(20 / 60, 5)
TIER_3 = Rate(50 / 60, 10)
TIER_4 = Rate(100 / 60, 20)
# chat.postMessage is "special": about 1/s per channel, "several hundred a minute" per workspace.
POST_MESSAGE_WORKSPACE = Rate(5.0, 50)
POST_MESSAGE_CHANNEL = Rate(1.0, 3)

METHOD_RATES: dict[str, Rate] = {
    "chat.postMessage": POST_MESSAGE_WORKSPACE,
    "chat.postEphemeral": TIER_4,
    "chat.update": TIER_3,
    "chat.delete": TIER_3,
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


# How far behind the calls that left a caller may be and still leave at once. Up to half a call's spacing
# lets timers that fire a little late catch up (otherwise each wake-up's delay would add to the next);
# more would let callers woken together by a stall leave together.
_DEPARTURE_SLACK = 0.5
_ROUNDING = 1e-9


class RateLimited(Exception):
    """Waiting for the bucket would take longer than the caller may wait."""

    def __init__(self, method: str, retry_after: float) -> None:
        super().__init__(f"{method} is rate limited for {retry_after:.1f}s")
        self.method = method
        self.retry_after = retry_after


class TokenBucket:
    """Tokens refill at `rate.per_second` up to `rate.burst`; a reservation may drive them negative (a queue).

    A second count, of calls that actually left, keeps late callers from leaving bunched: when the event
    loop stalls, every caller whose turn fell inside the stall wakes at once, and letting them all go
    would put more calls into one second than the platform allows (a 429 then pauses the whole method).
    """

    def __init__(self, rate: Rate, now: float) -> None:
        self.rate = rate
        self.tokens = rate.burst
        self.updated = now
        self.blocked_until = 0.0
        self.departure_tokens = rate.burst
        self.departed = now

    def _refilled(self, tokens: float, since: float, now: float) -> float:
        return min(self.rate.burst, tokens + (now - since) * self.rate.per_second)

    def _refill(self, now: float) -> None:
        self.tokens = self._refilled(self.tokens, self.updated, now)
        self.updated = now

    def wait_for_next(self, now: float) -> float:
        """Seconds until a call may go, without reserving it."""
        self._refill(now)
        queue_wait = 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate.per_second
        return max(queue_wait, self.blocked_until - now)

    def reserve(self, now: float) -> None:
        """Take a token (the caller then waits `wait_for_next` seconds, computed just before)."""
        self._refill(now)
        self.tokens -= 1

    def _departure_tokens(self, now: float) -> float:
        return self._refilled(self.departure_tokens, self.departed, now)

    def wait_to_depart(self, now: float) -> float:
        """Seconds until a caller whose turn has come may actually leave (0 unless the calls before it left late)."""
        missing = 1 - self._departure_tokens(now)
        return (
            0.0
            if missing <= _DEPARTURE_SLACK + _ROUNDING
            else (missing - _DEPARTURE_SLACK) / self.rate.per_second
        )

    def depart(self, now: float) -> None:
        """Count a call that leaves now."""
        self.departure_tokens = self._departure_tokens(now) - 1
        self.departed = now

    def block(self, until: float) -> None:
        """No call at all before `until` (a 429's Retry-After)."""
        self.blocked_until = max(self.blocked_until, until)


class SlackRateLimiter:
    """The shared limiter: `await acquire(workspace, method, channel)` before every call."""

    def __init__(
        self,
        rates: dict[str, Rate] | None = None,
        *,
        max_wait: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], object] = asyncio.sleep,
    ) -> None:
        self._rates = {**METHOD_RATES, **(rates or {})}
        self._max_wait = max_wait
        self._clock = clock
        self._sleep = sleep
        self._buckets: dict[tuple[str, str, str], TokenBucket] = {}

    def _bucket(self, workspace: str, method: str, channel: str = "") -> TokenBucket:
        key = (workspace, method, channel)
        bucket = self._buckets.get(key)
        if bucket is None:
            rate = PER_CHANNEL_METHODS[method] if channel else self._rates.get(method, DEFAULT_RATE)
            bucket = self._buckets[key] = TokenBucket(rate, self._clock())
        return bucket

    def _buckets_for(self, workspace: str, method: str, channel: str | None) -> list[TokenBucket]:
        buckets = [self._bucket(workspace, method)]
        if channel and method in PER_CHANNEL_METHODS:
            buckets.append(self._bucket(workspace, method, channel))
        return buckets

    async def acquire(self, workspace: str, method: str, channel: str | None = None) -> None:
        """Wait for a turn to call `method`; raises RateLimited when that would exceed `max_wait`.

        The turn is reserved before sleeping (first come, first served), so waiters wake once each
        instead of all re-checking the bucket whenever a token frees.
        """
        reserved = False
        while True:
            now = self._clock()
            buckets = self._buckets_for(workspace, method, channel)
            if not reserved:
                wait = max(bucket.wait_for_next(now) for bucket in buckets)
                if wait > self._max_wait:
                    raise RateLimited(method, wait)
                for bucket in buckets:
                    bucket.reserve(now)
                reserved = True
            else:
                # Woken after a reserved wait: only a 429 that arrived meanwhile, or calls ahead that left
                # late, can hold the call back.
                wait = max(bucket.blocked_until - now for bucket in buckets)
                if wait > self._max_wait:
                    raise RateLimited(method, wait)
            if wait <= 0:
                wait = max(bucket.wait_to_depart(now) for bucket in buckets)
                if wait <= 0:
                    for bucket in buckets:
                        bucket.depart(now)
                    return
            result = self._sleep(wait)
            if asyncio.iscoroutine(result):
                await result

    def blocked_for(self, workspace: str, method: str) -> float:
        """Seconds left of a 429 window on that bucket (0 when none)."""
        return max(0.0, self._bucket(workspace, method).blocked_until - self._clock())

    def pause(self, workspace: str, method: str, retry_after: float) -> None:
        """Slack answered 429: nobody calls `method` in `workspace` for `retry_after` seconds."""
        self._bucket(workspace, method).block(self._clock() + retry_after)
