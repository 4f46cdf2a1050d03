"""Work after a fast acknowledgement is tracked, and shutdown drains it instead of dropping it."""

from __future__ import annotations

import asyncio

from bot.core.tasks import TaskTracker


async def test_drain_waits_for_work_in_flight_and_work_it_spawns() -> None:
    tracker = TaskTracker()
    finished: list[str] = []

    async def follow_up() -> None:
        await asyncio.sleep(0.05)
        finished.append("follow-up")

    async def slow_reply() -> None:
        await asyncio.sleep(0.05)
        finished.append("reply")
        tracker.spawn(follow_up())

    tracker.spawn(slow_reply())
    assert finished == []  # spawn returns at once; the work runs on
    await tracker.drain(timeout=5)
    assert finished == ["reply", "follow-up"]


async def test_drain_gives_up_on_work_that_outlives_the_timeout() -> None:
    tracker = TaskTracker()
    task = tracker.spawn(asyncio.sleep(60))
    await tracker.drain(timeout=0.05)
    await asyncio.sleep(0)
    assert task.cancelled()
