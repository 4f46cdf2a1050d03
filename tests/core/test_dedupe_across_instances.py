"""Three app instances sharing one PostgreSQL receive the same event at once: it is handled once."""

from __future__ import annotations

import asyncio

from bot.core.turn import Turn
from bot.core.types import ConversationRef, InboundMessage, UserRef
from bot.runtime import build_runtime
from bot.settings import Settings
from tests.support.databases import TEST_SECRET_KEY
from tests.support.recording import RecordingAdapter
from tests.support.runtime import dispatch


async def test_same_event_to_three_instances_is_handled_once(postgres_url: str) -> None:
    handled: list[str] = []

    async def echo(turn: Turn) -> None:
        handled.append(turn.args)
        await turn.reply(f"echo {turn.args}")

    instances = [
        build_runtime(Settings(secret_key=TEST_SECRET_KEY, database_url=postgres_url)) for _ in range(3)
    ]
    adapters = [RecordingAdapter("slack") for _ in instances]
    for runtime in instances:
        runtime.dispatcher.command("echo", echo)
    event = InboundMessage(
        event_id="Ev-same",
        conversation=ConversationRef(platform="slack", workspace="T1", channel="D1", is_direct=True),
        user=UserRef(platform="slack", workspace="T1", user_id="U1"),
        text="echo hello",
        is_direct=True,
    )
    try:
        for _ in range(5):  # several rounds, each with a new event id, to give a race a chance to show
            handled.clear()
            round_event = event.model_copy(update={"event_id": f"{event.event_id}-{_}"})
            await asyncio.gather(
                *(
                    dispatch(runtime, round_event, adapter)
                    for runtime, adapter in zip(instances, adapters, strict=False)
                )
            )
            assert handled == ["hello"]
        assert sum(len(adapter.sent) for adapter in adapters) == 5
    finally:
        for runtime in instances:
            await runtime.database.dispose()
