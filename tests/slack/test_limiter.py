"""The shared rate limiter, on a fake clock: buckets per workspace and method, 429 windows, give-up bound."""

from __future__ import annotations

import pytest

from adapters.slack.limiter import RateLimited, SlackRateLimiter


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
    assert time.slept == []
    await slack.acquire("T1", "chat.postMessage", "C1")
    assert time.slept == [pytest.approx(1.0)]


async def test_other_channels_and_workspaces_are_not_held_back_by_a_busy_channel() -> None:
    time = FakeTime()
    slack = limiter(time)
    for _ in range(3):
        await slack.acquire("T1", "chat.postMessage", "C1")
    await slack.acquire("T1", "chat.postMessage", "C2")
    await slack.acquire("T2", "chat.postMessage", "C1")
    assert time.slept == []


async def test_a_429_pauses_the_whole_method_in_that_workspace_only() -> None:
    time = FakeTime()
    slack = limiter(time)
    slack.pause("T1", "chat.update", 2.0)
    await slack.acquire("T1", "chat.postMessage", "C1")  # another method: free
    await slack.acquire("T2", "chat.update")  # another workspace: free
    assert time.slept == []
    await slack.acquire("T1", "chat.update")
    assert time.slept == [pytest.approx(2.0)]


async def test_waits_longer_than_the_bound_are_refused_with_the_time_to_wait() -> None:
    time = FakeTime()
    slack = limiter(time, max_wait=5.0)
    slack.pause("T1", "chat.postMessage", 30.0)
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

    def sleep_and_get_429(seconds: float) -> None:
        time.sleep(seconds)
        if len(time.slept) == 1:
            slack.pause("T1", "chat.postMessage", 2.0)

    slack._sleep = sleep_and_get_429
    await slack.acquire("T1", "chat.postMessage", "C1")
    assert time.slept == [pytest.approx(1.0), pytest.approx(2.0)]
