"""The dispatcher in conversation: commands, hints, dedupe of redelivered events."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from bot.core import dispatcher
from bot.core.turn import Turn
from bot.core.types import ConversationRef, InboundMessage, UserRef
from bot.runtime import Runtime
from tests.support.testbot import TestBot


async def test_help_lists_what_the_bot_can_do(runtime: Runtime) -> None:
    bot = TestBot(runtime)
    await bot.push("help")
    reply = bot.pop()
    assert "Clueline" in reply
    assert "help" in reply


async def test_empty_message_gets_a_hint_not_an_error(runtime: Runtime) -> None:
    bot = TestBot(runtime)
    # A chat platform can deliver a message of only spaces (the console skips blank lines itself).
    await bot.deliver(_message("blank-1", "   "))
    assert "help" in bot.pop()


def _message(
    event_id: str, text: str = "help", *, is_direct: bool = True, mentions_bot: bool = False
) -> InboundMessage:
    return InboundMessage(
        event_id=event_id,
        conversation=ConversationRef(
            platform="console", channel="dm-you" if is_direct else "general", is_direct=is_direct
        ),
        user=UserRef(platform="console", user_id="you"),
        text=text,
        message_id="m-1",
        is_direct=is_direct,
        mentions_bot=mentions_bot,
    )


async def test_redelivered_event_is_answered_once(runtime: Runtime) -> None:
    bot = TestBot(runtime)
    await bot.deliver(_message("E1"))
    await bot.deliver(_message("E1"))
    assert len(bot.pop_all()) == 1


async def test_channel_message_without_mention_is_ignored(runtime: Runtime) -> None:
    bot = TestBot(runtime)
    await bot.deliver(_message("E2", is_direct=False))
    assert bot.pop_all() == []
    await bot.deliver(_message("E3", is_direct=False, mentions_bot=True))
    assert len(bot.pop_all()) == 1


async def handled_twice(
    runtime: Runtime, first_run: Callable[[], Awaitable[None]], fails_with: type[Exception]
) -> list[str]:
    """Deliver one event twice to a command whose first run does `first_run` first; the replies it got."""
    runs: list[str] = []

    async def command(turn: Turn) -> None:
        runs.append(turn.args)
        if len(runs) == 1:
            await first_run()
        await turn.reply("done")

    runtime.dispatcher.command("twice", command)
    bot = TestBot(runtime)
    with pytest.raises(fails_with):
        await bot.deliver(_message("E4", "twice please"))
    await bot.deliver(_message("E4", "twice please"))
    assert runs == ["please", "please"]
    return bot.pop_all()


async def test_failed_handling_lets_the_retry_through(runtime: Runtime) -> None:
    async def fails() -> None:
        raise RuntimeError("first delivery fails")

    assert await handled_twice(runtime, fails, RuntimeError) == ["done"]


async def test_comms_lead_only_command_is_refused_to_others(runtime: Runtime) -> None:
    async def secret(turn: Turn) -> None:
        await turn.reply("admin things")

    runtime.dispatcher.command("secret", secret, comms_leads_only=True)
    employee = TestBot(runtime, user_id="employee")
    await employee.push("secret")
    assert "Only comms leads" in employee.pop()
    lead = TestBot(runtime, user_id="lead")
    await lead.push("secret")
    assert lead.pop() == "admin things"


async def test_conversations_and_people_are_persisted(runtime: Runtime) -> None:
    bot = TestBot(runtime, user_id="persisted")
    await bot.push("help")
    stored = await runtime.directory.conversation("console", "dm-persisted")
    assert stored is not None and stored.is_direct
    assert await runtime.directory.person("console", "persisted") is not None


async def test_a_handler_that_hangs_is_given_up_at_the_deadline_and_the_retry_let_through(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(dispatcher, "HANDLING_SECONDS", 0.2)
    cancelled: list[bool] = []

    async def hangs() -> None:
        try:
            await asyncio.Event().wait()  # a call that never returns
        except asyncio.CancelledError:
            cancelled.append(True)
            raise

    assert await handled_twice(runtime, hangs, TimeoutError) == ["done"]
    assert cancelled == [True]
    assert "took over 0.2 s; given up" in caplog.text
