"""The sliding windows that keep Teams' per-conversation and per-tenant limits."""

from __future__ import annotations

import asyncio

import pytest

from adapters.teams.limiter import (
    CONVERSATION_WINDOWS,
    TENANT_WINDOWS,
    WINDOW_MARGIN_SECONDS,
    SlidingWindows,
    TeamsLimiter,
)


def filled(
    times: list[float], windows: tuple[tuple[int, float], ...] = CONVERSATION_WINDOWS
) -> SlidingWindows:
    state = SlidingWindows(windows)
    state.starts.extend(times)
    return state


def test_seven_sends_in_a_second_fit_and_the_eighth_waits_for_the_first_to_leave() -> None:
    assert filled([0.0] * 6).wait_needed(0.0) == 0
    wait = filled([0.0] * 7).wait_needed(0.0)
    assert wait == pytest.approx(1.0 + WINDOW_MARGIN_SECONDS)


def test_eight_sends_in_two_seconds_make_the_ninth_wait() -> None:
    starts = [0.0] * 7 + [1.2]
    assert filled(starts).wait_needed(1.3) == pytest.approx(2.0 + WINDOW_MARGIN_SECONDS - 1.3)


def test_sixty_sends_in_thirty_seconds_make_the_next_wait() -> None:
    starts = [n * 0.5 for n in range(60)]  # 2 a second: within the short windows, at the 30 s cap
    wait = filled(starts).wait_needed(29.9)
    assert wait == pytest.approx(30.0 + WINDOW_MARGIN_SECONDS - 29.9)


def test_the_tenant_ceiling_is_thirty_a_second() -> None:
    assert filled([0.0] * 29, TENANT_WINDOWS).wait_needed(0.0) == 0
    assert filled([0.0] * 30, TENANT_WINDOWS).wait_needed(0.0) > 0


def test_a_pause_holds_the_conversation_until_it_ends() -> None:
    state = SlidingWindows(CONVERSATION_WINDOWS, paused_until=5.0)
    assert state.wait_needed(2.0) == 3.0
    assert state.wait_needed(5.0) == 0


async def test_the_limiter_counts_conversations_and_tenants_apart() -> None:
    now = [100.0]
    limiter = TeamsLimiter(clock=lambda: now[0])
    for n in range(7):
        await asyncio.wait_for(limiter.acquire("tenant-a", f"conv-{n % 2}"), timeout=1)
    # Neither conversation nor the tenant is full: one more goes at once on a third conversation.
    await asyncio.wait_for(limiter.acquire("tenant-a", "conv-2"), timeout=1)
    limiter.pause("tenant-b", None, 30)
    waiting = asyncio.create_task(limiter.acquire("tenant-b", "conv-9"))
    await asyncio.sleep(0.05)
    assert not waiting.done()  # tenant b is paused by a 429
    waiting.cancel()
