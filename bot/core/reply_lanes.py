"""One lane per conversation: replies leave one after another, in the order the handlers wrote them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.core.types import ConversationRef


class ReplyLanes:
    """FIFO locks by conversation (its channel, threads included), made on demand and dropped when idle.

    Platforms limit posts per channel (Slack about 1 a second). Sent side by side, a burst of replies would
    overrun the rate limiter's patience and be refused; in a lane each waits its turn, so none is refused
    for the limit and they arrive in order. asyncio.Lock hands itself over first come, first served.
    """

    def __init__(self) -> None:
        self._lanes: dict[tuple[str, str, str], tuple[asyncio.Lock, list[None]]] = {}

    @asynccontextmanager
    async def turn(self, conversation: ConversationRef) -> AsyncIterator[None]:
        """Hold the conversation's lane while sending one reply."""
        key = (conversation.platform, conversation.workspace or "", conversation.channel)
        lock, users = self._lanes.setdefault(key, (asyncio.Lock(), []))
        users.append(None)
        try:
            async with lock:
                yield
        finally:
            users.pop()
            if not users:
                del self._lanes[key]
