"""Teams' per-conversation and per-tenant limits as buckets: no window of Microsoft's ever overfills."""

from __future__ import annotations

import asyncio

import pytest

from adapters.teams.limiter import CONVERSATION_WINDOWS, TENANT_WINDOWS, WINDOW_MARGIN_SECONDS, TeamsLimiter


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def most_in_any_window(times: list[float], seconds: float) -> int:
    # A hair of rounding off the window's end: float sums of the same spacing may land a hair short of it.
    return max(sum(1 for other in times if start <= other < start + seconds - 1e-9) for start in times)


async def departures(
    limiter: TeamsLimiter, time: FakeTime, count: int, conversation: str = "conv-1"
) -> list[float]:
    sent = []
    for _ in range(count):
        await limiter.acquire("tenant-a", conversation)
        sent.append(time.now)
    return sent


async def test_no_conversation_window_ever_holds_more_than_microsoft_allows() -> None:
    time = FakeTime()
    limiter = TeamsLimiter(clock=time.clock, sleep=time.sleep)
    sent = await departures(limiter, time, 200)
    for count, seconds in CONVERSATION_WINDOWS[:3]:
        assert most_in_any_window(sent, seconds + WINDOW_MARGIN_SECONDS) <= count


async def test_a_burst_goes_at_once_and_the_rest_keep_the_two_second_window() -> None:
    time = FakeTime()
    limiter = TeamsLimiter(clock=time.clock, sleep=time.sleep)
    sent = await departures(limiter, time, 20)
    assert sent[:3] == [1000.0] * 3  # the start of a burst waits for nothing
    # Eight in any two seconds: after a burst of four, 2.5 a second (not the 7-a-second peak).
    assert sent[-1] - sent[0] == pytest.approx(16 / 2.5 + WINDOW_MARGIN_SECONDS)


async def test_the_tenant_ceiling_is_thirty_a_second_across_conversations() -> None:
    time = FakeTime()
    limiter = TeamsLimiter(clock=time.clock, sleep=time.sleep)
    sent = []
    for n in range(120):
        await limiter.acquire("tenant-a", f"conv-{n}")
        sent.append(time.now)
    assert most_in_any_window(sent, 1.0 + WINDOW_MARGIN_SECONDS) <= TENANT_WINDOWS[0][0]


async def test_the_limiter_counts_conversations_and_tenants_apart() -> None:
    limiter = TeamsLimiter()
    for n in range(7):
        await asyncio.wait_for(limiter.acquire("tenant-a", f"conv-{n % 2}"), timeout=1)
    # Neither conversation nor the tenant is full: one more goes at once on a third conversation.
    await asyncio.wait_for(limiter.acquire("tenant-a", "conv-2"), timeout=1)
    await limiter.pause("tenant-b", None, 30)
    waiting = asyncio.create_task(limiter.acquire("tenant-b", "conv-9"))
    await asyncio.sleep(0.05)
    assert not waiting.done()  # tenant b is paused by a 429
    waiting.cancel()
