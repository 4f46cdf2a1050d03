"""One lane per conversation: replies leave one after another, in the order their events arrived."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from bot.core.types import ConversationRef

# How long a reply waits for any one event that came before it in its conversation: one that hangs (a slow
# model, a stuck call) must not hold every later reply in the channel.
ORDER_PATIENCE_SECONDS = 30.0

LaneKey = tuple[str, str, str]


@dataclass(eq=False)
class _Place:
    """An event's place in its conversation's lane, from the moment its handling starts until it ends."""

    key: LaneKey
    done: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass(eq=False)
class _Lane:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    places: list[_Place] = field(default_factory=list)
    senders: int = 0

    @property
    def idle(self) -> bool:
        return not self.places and self.senders == 0


# The place of the event this task is handling (set by `ReplyLanes.place`, read by `ReplyLanes.turn`).
_current_place: contextvars.ContextVar[_Place | None] = contextvars.ContextVar("reply_place", default=None)


def _lane_key(conversation: ConversationRef) -> LaneKey:
    return (conversation.platform, conversation.workspace or "", conversation.channel)


class ReplyLanes:
    """FIFO lanes by conversation (its channel, threads included), made on demand and dropped when idle.

    Platforms limit posts per channel (Slack about 1 a second). Sent side by side, a burst of replies would
    overrun the rate limiter's patience and be refused; in a lane each waits its turn, so none is refused
    for the limit. Events handled side by side reach their first reply in any order (one waits longer on
    the database than the next), so an event takes its `place` when its handling starts, in the order the
    events were stored, and its replies wait for the events placed before it in that conversation.
    """

    def __init__(self) -> None:
        self._lanes: dict[LaneKey, _Lane] = {}

    def __len__(self) -> int:
        """How many conversations have a lane open (an event under way or a reply being sent)."""
        return len(self._lanes)

    @contextlib.contextmanager
    def place(self, conversation: ConversationRef | None) -> Iterator[None]:
        """Hold an event's place in its conversation's order for as long as it is handled (enter it first)."""
        if conversation is None:
            yield
            return
        key = _lane_key(conversation)
        lane = self._lanes.setdefault(key, _Lane())
        place = _Place(key)
        lane.places.append(place)
        token = _current_place.set(place)
        try:
            yield
        finally:
            _current_place.reset(token)
            place.done.set()
            lane.places.remove(place)
            self._drop_if_idle(key, lane)

    @asynccontextmanager
    async def turn(self, conversation: ConversationRef) -> AsyncIterator[None]:
        """Hold the conversation's lane while sending one reply, after the events placed before this one."""
        key = _lane_key(conversation)
        lane = self._lanes.setdefault(key, _Lane())
        lane.senders += 1
        try:
            await self._after_earlier_events(lane, key)
            async with lane.lock:
                yield
        finally:
            lane.senders -= 1
            self._drop_if_idle(key, lane)

    @staticmethod
    async def _after_earlier_events(lane: _Lane, key: LaneKey) -> None:
        place = _current_place.get()
        if place is None or place.key != key or place not in lane.places:
            return
        # One by one, each with its own patience: a burst's earlier events all progress (one reply a second
        # in a channel), so the wait in all may be long; only one that hangs is given up on.
        for other in lane.places[: lane.places.index(place)]:
            # asyncio.timeout, not wait_for: Python 3.11's wait_for swallows a cancellation that comes as the
            # awaited event is set, and the handler given up (its deadline, a stop) would run on.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(ORDER_PATIENCE_SECONDS):
                    await other.done.wait()

    def _drop_if_idle(self, key: LaneKey, lane: _Lane) -> None:
        if lane.idle and self._lanes.get(key) is lane:
            del self._lanes[key]
