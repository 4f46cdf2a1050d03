"""Knowledge gaps: unanswered and unhelpful questions grouped by theme, and the weekly digest."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import ManualClock
from bot.features.answers.experts import set_experts_place
from bot.features.answers.gaps import GapQuestion, gap_questions, group_by_theme
from bot.runtime import Runtime
from tests.support.testbot import TestBot


def test_questions_sharing_a_significant_term_form_a_theme_with_counts() -> None:
    questions = [
        GapQuestion("Can we invoice in Bitcoin?", answered=False, unhelpful=0),
        GapQuestion("Does Bitcoin work for payments?", answered=False, unhelpful=0),
        GapQuestion("bitcoin refunds?", answered=True, unhelpful=1),
        GapQuestion("Is there a Zapier integration?", answered=False, unhelpful=0),
        GapQuestion("Zapier triggers for new invoices", answered=True, unhelpful=2),
        GapQuestion("What colour is the logo?", answered=False, unhelpful=0),
    ]
    themes = group_by_theme(questions)
    assert [(t.theme, t.count, t.unanswered, t.unhelpful) for t in themes] == [
        ("bitcoin", 3, 2, 1),
        ("zapier", 2, 1, 1),
        ("other", 1, 1, 0),
    ]
    assert themes[0].as_dict()["questions"] == [
        "Can we invoice in Bitcoin?",
        "Does Bitcoin work for payments?",
        "bitcoin refunds?",
    ]


def _unanswered(*texts: str) -> list[GapQuestion]:
    return [GapQuestion(text, answered=False, unhelpful=0) for text in texts]


def test_the_products_name_in_every_question_and_framing_words_name_no_theme() -> None:
    questions = _unanswered(
        "does plausible integrate with salesforce? a customer is asking",
        "can plausible push goals to salesforce",
        "customer asks: is plausible soc 2 certified",
        "plausible soc 2 report for a prospect",
        "does plausible have a mobile app",
    )
    assert [(t.theme, t.count) for t in group_by_theme(questions)] == [
        ("salesforce", 2),
        ("soc", 2),
        ("plausible", 1),
    ]


def test_no_questions_no_themes() -> None:
    assert group_by_theme([]) == []


async def test_gaps_hold_unanswered_and_unhelpful_questions_of_the_period(
    answers_runtime: Runtime, clock: ManualClock
) -> None:
    bot = TestBot(answers_runtime)
    await bot.push("can we invoice in bitcoin?")
    clock.advance(timedelta(days=2))
    await bot.push("is bitcoin accepted for payments?")
    await bot.push("how do I export invoices?")  # answered, and rated helpful below: no gap
    await bot.push("helpful")
    await bot.push("how do I connect my bank account?")  # answered, then rated not helpful: a gap
    await bot.push("not helpful")
    bot.pop_all()
    async with answers_runtime.database.session() as session:
        recent = await gap_questions(session, clock.now() - timedelta(days=7))
        last_day = await gap_questions(session, clock.now() - timedelta(days=1))
    assert [q.text for q in recent] == [
        "can we invoice in bitcoin?",
        "is bitcoin accepted for payments?",
        "how do I connect my bank account?",
    ]
    assert [q.text for q in last_day] == [
        "is bitcoin accepted for payments?",
        "how do I connect my bank account?",
    ]


async def test_weekly_digest_goes_to_the_experts_channel_on_monday_morning(
    answers_runtime: Runtime, clock: ManualClock
) -> None:
    bot = TestBot(answers_runtime)
    await set_experts_place(answers_runtime, "console:experts")
    await bot.push("can we invoice in bitcoin?")
    await bot.push("does bitcoin work for refunds?")
    await bot.push("is there a dark mode?")
    bot.pop_all()
    clock.set(clock.now().replace(day=30, hour=8, minute=59))  # Monday 30 November, just before 09:00
    await bot.push("help")
    assert not [r for r in bot.pop_all() if "Knowledge gaps" in r]
    clock.advance(timedelta(minutes=2))
    await bot.push("help")
    [digest] = [r for r in bot.pop_all() if "Knowledge gaps" in r]
    assert digest.startswith("[#experts]")
    assert "3 questions without a good answer" in digest
    assert "bitcoin: 2 (2 unanswered, 0 not helpful)" in digest
    assert "other: 1 (1 unanswered, 0 not helpful)" in digest
    clock.advance(timedelta(days=1))
    await bot.push("help")
    assert not [r for r in bot.pop_all() if "Knowledge gaps" in r]


def test_the_bots_own_name_in_mistyped_commands_names_no_theme() -> None:
    questions = _unanswered(
        "@Clueline does the app run on linux",
        "clueline ask is there a linux build",
        "clueline what about dark mode",
    )
    assert [(t.theme, t.count) for t in group_by_theme(questions)] == [("linux", 2), ("other", 1)]


def test_a_theme_lists_each_question_once_with_how_often_it_was_asked() -> None:
    texts = ["do we do sso"] * 3 + [f"sso with {name}" for name in ("okta", "azure", "google", "onelogin")]
    [theme] = group_by_theme(_unanswered(*texts))
    assert theme.count == 7
    assert theme.asked()[0] == ("do we do sso", 3) and len(theme.asked()) == 5
