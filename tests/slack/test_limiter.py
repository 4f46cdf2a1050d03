"""Slack's rate limiter, on a fake clock: budgets per workspace and method, 429 windows, give-up bound.

The budgets are the process's own here (no store given); tests/core/test_rate_budget_stores.py runs the same
arithmetic through the database and Redis stores, and tests/deploy/test_shared_limits.py across processes.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools

import pytest

from adapters.slack.limiter import Rate, RateLimited, SlackRateLimiter


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def limiter(time: FakeTime, max_wait: float = 10.0) -> SlackRateLimiter:
    return SlackRateLimiter(max_wait=max_wait, clock=time.clock, sleep=time.sleep)


async def test_post_message_bursts_then_keeps_one_a_second_per_channel() -> None:
    time = FakeTime()
    slack = limiter(time)
    for _ in range(3):
        await slack.acquire("T1", "chat.postMessage", "C1")
    # Three in a burst, the last a margin (0.5 s) behind, so that the fourth is 1.5 s after the first.
    assert time.slept == [pytest.approx(0.5)]
    await slack.acquire("T1", "chat.postMessage", "C1")
    await slack.acquire("T1", "chat.postMessage", "C1")
    assert time.slept == [pytest.approx(0.5), pytest.approx(1.0), pytest.approx(1.0)]


async def test_other_channels_and_workspaces_are_not_held_back_by_a_busy_channel() -> None:
    time = FakeTime()
    slack = limiter(time)
    for _ in range(2):
        await slack.acquire("T1", "chat.postMessage", "C1")
    await slack.acquire("T1", "chat.postMessage", "C2")
    await slack.acquire("T2", "chat.postMessage", "C1")
    assert time.slept == []


async def test_a_429_pauses_the_whole_method_in_that_workspace_only() -> None:
    time = FakeTime()
    slack = limiter(time)
    await slack.pause("T1", "chat.update", 2.0)
    await slack.acquire("T1", "chat.postMessage", "C1")  # another method: free
    await slack.acquire("T2", "chat.update")  # another workspace: free
    assert time.slept == []
    await slack.acquire("T1", "chat.update")
    assert time.slept == [pytest.approx(2.0)]


async def test_waits_longer_than_the_bound_are_refused_with_the_time_to_wait() -> None:
    time = FakeTime()
    slack = limiter(time, max_wait=5.0)
    await slack.pause("T1", "chat.postMessage", 30.0)
    with pytest.raises(RateLimited) as refused:
        await slack.acquire("T1", "chat.postMessage", "C1")
    assert refused.value.retry_after == pytest.approx(30.0)
    assert time.slept == []


async def test_tier_two_methods_are_spaced_three_seconds_apart_after_their_burst() -> None:
    time = FakeTime()
    slack = limiter(time)
    for _ in range(5):
        await slack.acquire("T1", "users.list")
    await slack.acquire("T1", "users.list")
    assert time.slept == [pytest.approx(3.0)]


async def test_a_429_arriving_while_a_caller_waits_holds_it_back_too() -> None:
    time = FakeTime()
    slack = limiter(time)
    for _ in range(3):
        await slack.acquire("T1", "chat.postMessage", "C1")
    time.slept.clear()
    pauses: list[float] = []

    async def sleep_and_get_429(seconds: float) -> None:
        time.sleep(seconds)
        if not pauses:
            pauses.append(2.0)
            await slack.pause("T1", "chat.postMessage", 2.0)

    slack._shared._sleep = sleep_and_get_429
    await slack.acquire("T1", "chat.postMessage", "C1")
    # Its turn came after 1 s, inside the pause: it waits for the pause's end and queues again behind it.
    assert time.slept[0] == pytest.approx(1.0)
    assert sum(time.slept) == pytest.approx(3.0)


class StallingTime:
    """Virtual time with timers, where the 'event loop' can stall: every timer due meanwhile fires at once."""

    def __init__(self) -> None:
        self.now = 1000.0
        self._timers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        wake: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._timers, (self.now + seconds, next(self._order), wake))
        await wake

    async def run(self, *, stall_at: float, stall: float) -> None:
        """Fire timers in order until none is left, jumping `stall` seconds ahead once `stall_at` is reached."""
        while True:
            for _ in range(5):
                await asyncio.sleep(0)
            if not self._timers:
                return
            when, _, wake = heapq.heappop(self._timers)
            self.now = max(self.now, when)
            if self.now >= stall_at > 0:
                self.now += stall
                stall_at = 0
            wake.set_result(None)


async def test_callers_woken_together_by_a_stall_still_leave_spaced_apart() -> None:
    time = StallingTime()
    slack = SlackRateLimiter({"chat.postMessage": Rate(10.0, 1)}, clock=time.clock, sleep=time.sleep)
    departures: list[float] = []

    async def call() -> None:
        await slack.acquire("T1", "chat.postMessage")
        departures.append(time.now)

    callers = [asyncio.create_task(call()) for _ in range(10)]
    await time.run(stall_at=1000.2, stall=0.35)
    await asyncio.gather(*callers)
    assert len(departures) == 10
    assert departures[:2] == [pytest.approx(1000.0), pytest.approx(1000.1)], "on time, turns are kept"
    gaps = [later - earlier for earlier, later in itertools.pairwise(departures)]
    # The turns at 1000.3, 1000.4 and 1000.5 all fell inside the stall: they must not leave at once.
    assert min(gaps) >= 0.05 - 1e-9
