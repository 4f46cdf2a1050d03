"""'What's new?' is answered from the newest dated entries of the release notes and change logs."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.runtime import Runtime
from knowledge.answer import compose_answer
from knowledge.index import LexicalIndex
from knowledge.ingest import discover, load_file
from knowledge.retrieve import Retriever
from tests.support.testbot import TestBot

HOPPSCOTCH = Path(__file__).resolve().parents[3] / "shared" / "corpora" / "hoppscotch"


@pytest.mark.parametrize("question", ["what's new?", "latest release?", "what changed last month"])
async def test_whats_new_quotes_the_latest_release_notes(answers_runtime: Runtime, question: str) -> None:
    bot = TestBot(answers_runtime)
    await bot.push(question)
    reply = bot.pop()
    assert "Release notes › November 2026" in reply
    assert "300 more banks in Spain and Portugal" in reply
    assert "October 2026" not in reply and "drafts before they are sent" not in reply


@pytest.mark.parametrize(
    ("question", "month", "other"),
    [
        ("what shipped in October?", "October 2026", "November 2026"),
        ("release notes for september 2026 pls", "September 2026", "October 2026"),
    ],
)
async def test_a_month_named_gets_that_months_release_notes(
    answers_runtime: Runtime, question: str, month: str, other: str
) -> None:
    bot = TestBot(answers_runtime)
    await bot.push(question)
    reply = bot.pop()
    assert f"Release notes › {month}" in reply
    assert other not in reply


@pytest.mark.parametrize(
    ("question", "month"),
    [
        (
            "what shipped in the most recent release? need a 2-line summary for the team newsletter",
            "November 2026",
        ),
        ("What shipped in Northpine in October? writing the customer newsletter", "October 2026"),
    ],
)
async def test_a_story_told_after_asking_whats_new_leaves_it_about_everything_new(
    answers_runtime: Runtime, question: str, month: str
) -> None:
    bot = TestBot(answers_runtime)
    await bot.push(question)
    assert f"Release notes › {month}" in bot.pop()


async def test_a_second_question_on_a_topic_makes_it_a_question_about_that_topic(
    answers_runtime: Runtime,
) -> None:
    bot = TestBot(answers_runtime)
    await bot.push("what's new? anything on recurring invoices?")
    reply = bot.pop()
    assert "Recurring invoices" in reply and "300 more banks in Spain and Portugal" not in reply


async def test_a_question_about_what_changed_in_a_topic_is_answered_on_that_topic(
    answers_runtime: Runtime,
) -> None:
    bot = TestBot(answers_runtime)
    await bot.push("what changed in recurring invoices recently?")
    assert "Recurring invoices" in bot.pop()


@pytest.mark.parametrize(
    "question",
    [
        "what's new in hoppscotch?",
        "what shipped in the most recent release? need a 2-line summary for the team newsletter",
    ],
)
async def test_the_hoppscotch_changelog_answers_whats_new_with_its_newest_release(question: str) -> None:
    if not HOPPSCOTCH.is_dir():
        pytest.skip(f"corpus {HOPPSCOTCH} is absent")
    chunks = [c for f in discover([HOPPSCOTCH]) for c in load_file(f.path, f.root).chunks]
    retriever = Retriever(LexicalIndex.build(chunks))
    answer = await compose_answer(question, retriever.retrieve(question))
    assert answer.answered and "Changelog › 2026.5.0" in answer.text
    assert "OpenAPI 3.1 collection export" in answer.text
