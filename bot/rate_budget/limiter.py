"""`SharedLimiter`: wait for a turn in a set of shared budgets; a 429 pauses a key for every process."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence

from bot.rate_budget.buckets import Budget, Rate
from bot.rate_budget.store import RateBudgetStore

# How far behind the calls that left a caller may be and still leave at once. Up to half a call's spacing
# lets timers that fire a little late catch up (otherwise each wake-up's delay would add to the next);
# more would let callers woken together by a stall leave together.
_DEPARTURE_SLACK = 0.5
_ROUNDING = 1e-9


# A caller later than this past its turn takes a new one (at most MAX_REQUEUES times, then goes as it is).
LATE_SECONDS = 0.2
MAX_REQUEUES = 3


class RateLimited(Exception):
    """Waiting for the budget would take longer than the caller may wait."""

    def __init__(self, what: str, retry_after: float) -> None:
        super().__init__(f"{what} is rate limited for {retry_after:.1f}s")
        self.method = what
        self.retry_after = retry_after


class _Departures:
    """Calls that actually left this process, per key and rate: keeps callers woken together by an event-loop
    stall from leaving bunched (their turns were kept apart, but they all wake when the loop runs again)."""

    def __init__(self, rate: Rate, now: float) -> None:
        self.rate = rate
        self.tokens = rate.burst
        self.updated = now

    def _tokens(self, now: float) -> float:
        return min(self.rate.burst, self.tokens + (now - self.updated) * self.rate.per_second)

    def wait(self, now: float) -> float:
        missing = 1 - self._tokens(now)
        if missing <= _DEPARTURE_SLACK + _ROUNDING:
            return 0.0
        return (missing - _DEPARTURE_SLACK) / self.rate.per_second

    def depart(self, now: float) -> None:
        self.tokens = self._tokens(now) - 1
        self.updated = now


class SharedLimiter:
    """`await acquire(budgets)` before every call; `await pause(key, seconds)` on a 429."""

    def __init__(
        self,
        store: RateBudgetStore,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], object] = asyncio.sleep,
    ) -> None:
        # Wall-clock time: the budgets' times are compared across processes (and machines, kept in step by NTP).
        self._store = store
        self._clock = clock
        self._sleep = sleep
        self._departures: dict[tuple[str, int], _Departures] = {}
        # 429s this process received, known at once (the store's copy, for the others, is written after).
        self._paused_here: dict[str, float] = {}

    async def acquire(self, budgets: Sequence[Budget], max_wait: float | None = None, what: str = "") -> None:
        """Wait for a turn in every budget; RateLimited when that would take longer than `max_wait`.

        The turn is reserved before sleeping (first come, first served across processes). A caller that had
        to wait looks once more for a 429 that paused a key meanwhile (in any process) and then queues again.
        """
        keys = [budget.key for budget in budgets]
        requeued = 0
        while True:
            paused_here = self._paused_here_for(keys)
            if max_wait is not None and paused_here > max_wait:
                raise RateLimited(what or keys[0], paused_here)
            if paused_here > 0:
                await self._pause_for(paused_here)
                continue
            reservation = await self._store.reserve(budgets, self._clock, max_wait)
            if not reservation.granted:
                raise RateLimited(what or keys[0], reservation.wait)
            if reservation.wait > 0:
                await self._pause_for(max(0.0, reservation.at - self._clock()))
                if await self._store.paused_until(keys) > self._clock():
                    continue
            # Woken well after the turn (a busy process): leaving now would bunch with the next callers' turns
            # inside the platform's window, so the turn is given up and a later one taken.
            if self._clock() - reservation.at > LATE_SECONDS and requeued < MAX_REQUEUES:
                requeued += 1
                continue
            # A 429 this process got while the store was busy: the turn is lost, queue again after it.
            if self._paused_here_for(keys) <= 0:
                break
        await self._depart(budgets)

    def _paused_here_for(self, keys: list[str]) -> float:
        now = self._clock()
        return max((self._paused_here.get(key, 0.0) - now for key in keys), default=0.0)

    async def _depart(self, budgets: Sequence[Budget]) -> None:
        while True:
            now = self._clock()
            departures = [
                self._departures.setdefault((budget.key, index), _Departures(rate, now))
                for budget in budgets
                for index, rate in enumerate(budget.rates)
            ]
            wait = max((departure.wait(now) for departure in departures), default=0.0)
            if wait <= 0:
                for departure in departures:
                    departure.depart(now)
                return
            await self._pause_for(wait)

    async def _pause_for(self, seconds: float) -> None:
        result = self._sleep(seconds)
        if asyncio.iscoroutine(result):
            await result

    async def pause(self, key: str, seconds: float) -> None:
        """The platform answered 429: no process calls on `key` for `seconds`."""
        now = self._clock()
        until = now + max(0.0, seconds)
        self._paused_here[key] = max(self._paused_here.get(key, 0.0), until)
        await self._store.pause(key, until, now)

    async def paused_for(self, key: str) -> float:
        """Seconds left of a pause on `key` (0 when none)."""
        return max(0.0, await self._store.paused_until([key]) - self._clock())

    async def close(self) -> None:
        """Release the store's connections."""
        await self._store.close()
