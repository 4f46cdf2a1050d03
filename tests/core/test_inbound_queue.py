"""The inbound queue: events stored once per key, concurrent stores in one commit, each leased to one process."""

from __future__ import annotations

import asyncio

from bot.clock import SystemClock
from bot.core.inbound_queue import InboundQueue
from bot.core.types import ConversationRef, InboundMessage, UserRef
from bot.db.database import Database


def message(n: int) -> InboundMessage:
    return InboundMessage(
        event_id=f"Ev{n}",
        conversation=ConversationRef(platform="slack", workspace="T1", channel=f"C{n % 3}"),
        user=UserRef(platform="slack", workspace="T1", user_id="U1"),
        text=f"question {n}",
        mentions_bot=True,
    )


async def test_concurrent_deliveries_are_stored_together_and_once_per_key(database_url: str) -> None:
    database = Database(database_url)
    queue = InboundQueue(database, SystemClock())
    try:
        firsts = await asyncio.gather(*(queue.store(f"k{n}", "slack", message(n)) for n in range(20)))
        again = await asyncio.gather(*(queue.store("k0", "slack", message(0)) for _ in range(3)))
    finally:
        await database.dispose()
    assert all(firsts)
    assert again == [False, False, False]


async def test_each_stored_event_is_leased_to_one_process_oldest_first(database_url: str) -> None:
    database = Database(database_url)
    queue = InboundQueue(database, SystemClock())
    try:
        for n in range(6):
            await queue.store(f"k{n}", "slack", message(n))
        first = await queue.lease("host:1", 4, lambda _name: False)
        second = await queue.lease("host:2", 4, lambda _name: False)
        third = await queue.lease("host:3", 4, lambda _name: False)
        # The first process is gone: what it held goes to the next one that asks.
        taken_over = await queue.lease("host:3", 10, lambda name: name == "host:1")
    finally:
        await database.dispose()
    assert [e.key for e in first] == ["k0", "k1", "k2", "k3"]
    assert [e.key for e in second] == ["k4", "k5"]
    assert third == []
    assert [e.event for e in first] == [message(n) for n in range(4)]
    assert sorted(e.key for e in taken_over) == ["k0", "k1", "k2", "k3"]
