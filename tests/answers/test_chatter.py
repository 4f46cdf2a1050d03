"""Chatter that reaches the bot is no question: a short reply or a pointer to the command, never the experts."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.core.turn import Turn
from bot.features.answers.experts import EXPERTS_PLACE
from bot.features.answers.tables import Question
from bot.runtime import Runtime
from tests.answers.conftest import slack_message, slack_user
from tests.support.recording import RecordingAdapter
from tests.support.runtime import dispatch, plug
from tests.support.testbot import TestBot


async def _questions(runtime: Runtime) -> list[Question]:
    async with runtime.database.session() as session:
        return list((await session.execute(select(Question))).scalars())


async def _say(runtime: Runtime, text: str) -> list[str]:
    """Send a DM in Slack (typed, so a label is text, not a press) and return everything the bot said."""
    await runtime.places.set(EXPERTS_PLACE, "slack:CEXPERTS")
    adapter = RecordingAdapter("slack")
    plug(runtime, adapter)
    await dispatch(runtime, slack_message("E1", slack_user("U1", "Ada"), text, direct=True), adapter)
    assert all(where.channel != "CEXPERTS" for where, _ in adapter.sent)  # nothing posted to the experts
    return [message.text for _, message in adapter.sent]


async def _assert_kept_from_experts(runtime: Runtime, replies: list[str]) -> None:
    assert len(replies) == 1, replies
    assert "asked the experts" not in replies[0] and "Sources:" not in replies[0]
    assert await _questions(runtime) == []  # no question logged: no post to the experts, no knowledge gap


@pytest.mark.parametrize("text", ["7", " 10 ", "3/5", "4.5", "11", "nine", "[8]"])
async def test_a_number_alone_gets_a_short_reply_and_never_reaches_the_experts(
    answers_runtime: Runtime, text: str
) -> None:
    replies = await _say(answers_runtime, text)
    await _assert_kept_from_experts(answers_runtime, replies)
    assert "number on its own" in replies[0]


@pytest.mark.parametrize("text", ["quit", "exit", "Bye!", "stop"])
async def test_quit_exit_bye_and_stop_get_a_goodbye(answers_runtime: Runtime, text: str) -> None:
    replies = await _say(answers_runtime, text)
    await _assert_kept_from_experts(answers_runtime, replies)
    assert replies[0].startswith("Bye!")


@pytest.mark.parametrize(
    "text",
    [
        "Helpful",
        "not helpful",
        "Ask an expert",
        "Discuss",
        "I'll follow up",
        "Kudos to the team",
        "Add a comment",
        "Write my answer",
    ],
)
async def test_a_typed_button_label_points_to_the_button(answers_runtime: Runtime, text: str) -> None:
    replies = await _say(answers_runtime, text)
    await _assert_kept_from_experts(answers_runtime, replies)
    assert "press the button" in replies[0]


async def test_a_button_label_a_feature_registers_with_its_action_is_known_when_typed(
    answers_runtime: Runtime,
) -> None:
    async def approve(turn: Turn) -> None:
        await turn.reply("approved")

    answers_runtime.dispatcher.action("budget.approve", approve, labels=("Approve the budget",))
    replies = await _say(answers_runtime, "approve the budget!")
    await _assert_kept_from_experts(answers_runtime, replies)
    assert "press the button" in replies[0]


@pytest.mark.parametrize(
    ("text", "meant"),
    [
        ("route add slack:C1 bugs", "feedback route add slack:C1 bugs"),
        ("pusle new", "pulse new"),
        ("hlep", "help"),
        ("expert here", "experts here"),
        ("close 12", "pulse close 12"),
        ("digest", "feedback digest-channel here"),
        ("aks whats new", "ask whats new"),
        ("/clueline aks whats new", "ask whats new"),
        ("@Clueline hlep", "help"),
    ],
)
async def test_a_mistyped_command_or_one_without_its_word_gets_did_you_mean(
    answers_runtime: Runtime, text: str, meant: str
) -> None:
    replies = await _say(answers_runtime, text)
    await _assert_kept_from_experts(answers_runtime, replies)
    assert f"Did you mean `{meant}`?" in replies[0]


@pytest.mark.parametrize("text", ["how do I close my account?", "close my account", "export invoices"])
async def test_questions_that_share_a_word_with_a_command_are_still_questions(
    answers_runtime: Runtime, text: str
) -> None:
    bot = TestBot(answers_runtime)
    await bot.push(text)
    assert "Did you mean" not in bot.pop()
    assert len(await _questions(answers_runtime)) == 1


@pytest.mark.parametrize("text", ["clueline ask how do exports work", "/clueline ask how do exports work"])
async def test_the_bots_name_typed_before_a_command_is_no_part_of_the_question(
    answers_runtime: Runtime, text: str
) -> None:
    bot = TestBot(answers_runtime)
    await bot.push(text)
    bot.pop()
    assert [question.text for question in await _questions(answers_runtime)] == ["how do exports work"]
