"""What a place that keeps budgets must do, and the in-process one (a single process, or tests)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from bot.rate_budget.buckets import Budget, BudgetState, Reservation, pause, reserve


class RateBudgetStore(Protocol):
    """Budgets shared by every process that uses the same store; each method is one atomic step."""

    async def reserve(
        self, budgets: Sequence[Budget], clock: Callable[[], float], max_wait: float | None
    ) -> Reservation:
        """Take a turn in every budget at once (see buckets.reserve), as of `clock()` (wall-clock seconds)
        read once the budgets are locked: time spent queueing for them must not make the turn late."""

    async def pause(self, key: str, until: float, now: float) -> None:
        """Hold the key until `until` (wall-clock seconds, as `now` is)."""

    async def paused_until(self, keys: Sequence[str]) -> float:
        """The latest end of a pause among `keys` (0 when none is paused)."""

    async def close(self) -> None:
        """Release connections (idempotent)."""


class MemoryBudgetStore:
    """Budgets of this process only: what an adapter uses when given no shared store."""

    def __init__(self) -> None:
        self._states: dict[str, BudgetState] = {}

    def _state(self, key: str) -> BudgetState:
        return self._states.setdefault(key, BudgetState())

    async def reserve(
        self, budgets: Sequence[Budget], clock: Callable[[], float], max_wait: float | None
    ) -> Reservation:
        """Take a turn in every budget at once."""
        return reserve(budgets, [self._state(budget.key) for budget in budgets], clock(), max_wait)

    async def pause(self, key: str, until: float, now: float) -> None:
        """Hold the key until `until`."""
        pause(self._state(key), until)

    async def paused_until(self, keys: Sequence[str]) -> float:
        """The latest end of a pause among `keys`."""
        return max((self._state(key).paused_until for key in keys), default=0.0)

    async def close(self) -> None:
        """Nothing to release."""
