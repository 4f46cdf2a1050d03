"""Replies to one conversation leave in the order their events arrived, whichever handler is ready first."""

from __future__ import annotations

import asyncio

import pytest

from bot.core import reply_lanes
from bot.core.reply_lanes import ReplyLanes
from bot.core.types import ConversationRef

CHANNEL = ConversationRef(platform="slack", workspace="T1", channel="C1")
OTHER_CHANNEL = ConversationRef(platform="slack", workspace="T1", channel="C2")


async def handle(
    lanes: ReplyLanes, conversation: ConversationRef, name: str, think: float, sent: list[str]
) -> None:
    with lanes.place(conversation):
        await asyncio.sleep(think)
        async with lanes.turn(conversation.in_thread(f"{name}.000")):
            sent.append(name)


async def replies_in_order_sent(*events: tuple[ConversationRef, str, float]) -> list[str]:
    """Events (conversation, name, seconds before its reply) handled side by side, started in this order."""
    lanes = ReplyLanes()
    sent: list[str] = []
    await asyncio.gather(*(asyncio.create_task(handle(lanes, *event, sent)) for event in events))
    return sent


async def test_a_later_event_ready_first_replies_after_the_earlier_one() -> None:
    assert await replies_in_order_sent((CHANNEL, "first", 0.2), (CHANNEL, "second", 0.0)) == [
        "first",
        "second",
    ]


async def test_an_event_in_another_channel_does_not_wait() -> None:
    sent = await replies_in_order_sent((CHANNEL, "slow", 0.2), (OTHER_CHANNEL, "elsewhere", 0.0))
    assert sent == ["elsewhere", "slow"]


async def test_an_earlier_event_that_never_replies_frees_the_lane_when_it_ends() -> None:
    lanes = ReplyLanes()
    sent: list[str] = []

    async def silent() -> None:
        with lanes.place(CHANNEL):
            await asyncio.sleep(0.1)

    await asyncio.gather(
        asyncio.create_task(silent()), asyncio.create_task(handle(lanes, CHANNEL, "x", 0.0, sent))
    )
    assert sent == ["x"]
    assert len(lanes) == 0  # nothing left behind once the channel is quiet


async def test_an_earlier_event_that_hangs_holds_later_replies_only_for_a_while(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(reply_lanes, "ORDER_PATIENCE_SECONDS", 0.2)
    lanes = ReplyLanes()
    sent: list[str] = []
    hung = asyncio.create_task(handle(lanes, CHANNEL, "hung", 60.0, sent))
    later = asyncio.create_task(handle(lanes, CHANNEL, "later", 0.0, sent))
    await asyncio.wait_for(later, timeout=5)
    assert sent == ["later"]
    hung.cancel()


async def test_a_reply_cancelled_as_the_earlier_event_ends_stays_cancelled() -> None:
    # A handler given up (its deadline, a stop) while it waits its turn must end, even when the event before it
    # ends in the same moment: a wait that swallowed that cancellation would let a hung handler run on for good.
    lanes = ReplyLanes()
    earlier_place: list[asyncio.Event] = []
    gave_up = asyncio.Event()

    async def earlier() -> None:
        with lanes.place(CHANNEL):
            earlier_place.append(reply_lanes._current_place.get().done)  # type: ignore[union-attr]
            await gave_up.wait()

    async def later(sent: list[str]) -> None:
        with lanes.place(CHANNEL):
            async with lanes.turn(CHANNEL):
                sent.append("later")

    sent: list[str] = []
    first = asyncio.create_task(earlier())
    await asyncio.sleep(0)
    waiting = asyncio.create_task(later(sent))
    await asyncio.sleep(0.05)  # waiting its turn
    earlier_place[0].set()  # the earlier event ends...
    waiting.cancel()  # ...in the same moment as the later one is given up
    with pytest.raises(asyncio.CancelledError):
        await waiting
    gave_up.set()
    await first
    assert sent == []
