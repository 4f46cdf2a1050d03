"""The bucket arithmetic, once: GCRA (a token bucket kept as one "theoretical arrival time" per rate).

A reservation moves each rate's arrival time one interval on, so callers queue in the order they asked
(first come, first served) and each learns at once how long to wait; a 429's pause holds a key until a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Rate:
    """A sustained rate (calls a second) with a burst allowance.

    `margin` spaces the call after a full burst that much further from the burst's first one: requests
    reach the platform less evenly than they leave here, and it counts them by its own clock.
    """

    per_second: float
    burst: float
    margin: float = 0.0

    @property
    def interval(self) -> float:
        """Seconds a call uses up of the budget."""
        return 1.0 / self.per_second

    @property
    def tolerance(self) -> float:
        """How far ahead of its arrival time a call may go (the burst, less the margin)."""
        return (self.burst - 1) * self.interval - self.margin


@dataclass(frozen=True)
class Budget:
    """One shared key (e.g. a Slack workspace's method) and the rates it must keep."""

    key: str
    rates: tuple[Rate, ...]


@dataclass
class BudgetState:
    """What a store keeps per key: an arrival time per rate, and the end of a 429's pause."""

    arrivals: list[float] = field(default_factory=list)
    paused_until: float = 0.0


@dataclass(frozen=True)
class Reservation:
    """The turn a caller got (`granted`) after `wait` seconds, or the wait that was too long to take.

    `at` is the turn's wall-clock time: a caller sleeps until then, however long the store took to answer.
    """

    granted: bool
    wait: float
    at: float = 0.0


def reserve(
    budgets: Sequence[Budget], states: Sequence[BudgetState], now: float, max_wait: float | None
) -> Reservation:
    """Take one turn in every budget at once (updating `states` in place), or none when it is too far off."""
    wait = 0.0
    for budget, state in zip(budgets, states, strict=True):
        wait = max(wait, state.paused_until - now)
        for rate, arrival in zip(budget.rates, _arrivals(budget, state, now), strict=True):
            wait = max(wait, arrival - rate.tolerance - now)
    if max_wait is not None and wait > max_wait:
        return Reservation(False, wait, now + wait)
    departure = now + wait
    for budget, state in zip(budgets, states, strict=True):
        state.arrivals = [
            max(arrival, departure) + rate.interval
            for rate, arrival in zip(budget.rates, _arrivals(budget, state, now), strict=True)
        ]
    return Reservation(True, wait, departure)


def _arrivals(budget: Budget, state: BudgetState, now: float) -> list[float]:
    # A key seen for the first time, or whose rates changed, starts with a full burst.
    if len(state.arrivals) != len(budget.rates):
        return [now] * len(budget.rates)
    return [max(arrival, now) for arrival in state.arrivals]


def pause(state: BudgetState, until: float) -> None:
    """No call on the key before `until` (a 429's Retry-After); a longer pause already set stays."""
    state.paused_until = max(state.paused_until, until)
