"""Product questions in chat: cited answers with buttons, honest declines, votes, follow-ups, bad input."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlmodel import col

from bot.core.types import ActionEvent, Buttons, HomeOpened
from bot.db.models import ScheduledJob
from bot.features.answers import texts
from bot.features.answers.experts import DIGEST_JOB, EXPERTS_PLACE
from bot.features.answers.tables import Question
from bot.runtime import Runtime
from knowledge.tables import ChunkVote
from tests.answers.conftest import slack_message, slack_user
from tests.support.recording import RecordingAdapter
from tests.support.runtime import dispatch, plug
from tests.support.testbot import TestBot


async def _questions(runtime: Runtime) -> list[Question]:
    async with runtime.database.session() as session:
        return list((await session.execute(select(Question).order_by(col(Question.id)))).scalars())


async def test_question_in_a_dm_is_answered_with_its_source_and_buttons(answers_runtime: Runtime) -> None:
    bot = TestBot(answers_runtime)
    await bot.push("how do I export invoices?")
    reply = bot.pop()
    assert "Exporting invoices" in reply
    assert "https://help.northpine.example/invoices/export" in reply
    assert "[Helpful]  [Not helpful]  [Ask an expert]" in reply
    [question] = await _questions(answers_runtime)
    assert question.answered and question.asker == "console:you"
    assert "exporting-invoices.md#" in question.chunk_keys


async def test_ask_command_answers_from_the_campaign_calendar_with_the_date(answers_runtime: Runtime) -> None:
    bot = TestBot(answers_runtime)
    await bot.push("ask when does the spring campaign launch?")
    reply = bot.pop()
    assert "2027-03-02" in reply
    assert "campaigns.csv" in reply


async def test_unknown_question_is_declined_and_posted_to_the_experts(answers_runtime: Runtime) -> None:
    await answers_runtime.places.set(EXPERTS_PLACE, "console:experts")
    bot = TestBot(answers_runtime)
    await bot.push("does the warp drive support hyperspace lanes?")
    declined, posted = bot.pop(), bot.pop()
    assert "I don't know that yet" in declined
    assert "asked the experts" in declined
    assert "[Helpful]" not in declined
    assert posted.startswith("[#experts]")
    assert "warp drive support hyperspace lanes" in posted
    assert "closest pages" not in posted
    [question] = await _questions(answers_runtime)
    assert not question.answered and question.escalated
    assert question.expert_channel == "console:experts" and question.expert_thread


async def test_thanks_and_ok_cool_are_answered_in_kind_and_never_reach_the_experts(
    answers_runtime: Runtime,
) -> None:
    await answers_runtime.places.set(EXPERTS_PLACE, "console:experts")
    bot = TestBot(answers_runtime)
    await bot.push("great, thank you! 🙏")
    assert bot.pop_all() == ["You're welcome! Ask me anything else about the product."]
    await bot.push("thanks!")  # only stop words, yet a thank-you, not a search without words
    assert bot.pop_all() == ["You're welcome! Ask me anything else about the product."]
    await bot.push("Good morning!")
    assert bot.pop_all()[0].startswith("Hi! Ask me a product question")
    await bot.push("ok cool")
    [reply] = bot.pop_all()
    assert reply.startswith("Anything else?")
    assert await _questions(answers_runtime) == []  # no question logged, so no knowledge gap either


async def test_a_question_that_starts_with_thanks_is_still_answered(answers_runtime: Runtime) -> None:
    bot = TestBot(answers_runtime)
    await bot.push("thanks! and how do I export invoices?")
    assert "Exporting invoices" in bot.pop()
    [question] = await _questions(answers_runtime)
    assert question.answered


# Below the confidence bar, yet close: the invoice export page is about exports, not about QuickBooks.
NEAR_MISS = "customer asking whether exports go straight into quickbooks"


async def test_near_miss_is_declined_with_the_closest_pages_and_still_goes_to_the_experts(
    answers_runtime: Runtime,
) -> None:
    await answers_runtime.places.set(EXPERTS_PLACE, "console:experts")
    bot = TestBot(answers_runtime)
    await bot.push(NEAR_MISS)
    declined, posted = bot.pop(), bot.pop()
    assert "I don't know that yet" in declined and "asked the experts" in declined
    assert "The closest pages I found, in case they help:" in declined
    assert "• Exporting invoices" in declined
    assert "[Helpful]" not in declined and "From Exporting invoices" not in declined
    assert "quickbooks" in posted
    assert "the closest pages I found were:\n• Exporting invoices" in posted
    [question] = await _questions(answers_runtime)
    assert not question.answered and question.escalated


async def test_question_far_from_every_page_is_declined_without_pointers(answers_runtime: Runtime) -> None:
    bot = TestBot(answers_runtime)
    await bot.push("does the warp drive support hyperspace lanes?")
    assert "closest pages" not in bot.pop()


async def test_misspelt_question_is_answered_from_the_page_it_meant(answers_runtime: Runtime) -> None:
    bot = TestBot(answers_runtime)
    await bot.push("how do I exprot invoices?")
    reply = bot.pop()
    assert "From Exporting invoices" in reply and "[Helpful]" in reply


async def test_unknown_question_without_experts_channel_says_how_to_set_one(answers_runtime: Runtime) -> None:
    bot = TestBot(answers_runtime)
    await bot.push("does the warp drive support hyperspace lanes?")
    reply = bot.pop()
    assert "I don't know that yet" in reply
    assert "experts here" in reply
    assert bot.pop_all() == []


async def test_helpful_vote_counts_once_and_lifts_the_cited_chunks(answers_runtime: Runtime) -> None:
    bot = TestBot(answers_runtime)
    await bot.push("how do I connect my bank account?")
    assert "Bank sync" in bot.pop()
    await bot.push("helpful")
    assert "Glad it helped" in bot.pop()
    [question] = await _questions(answers_runtime)
    assert question.helpful == 1 and question.unhelpful == 0
    async with answers_runtime.database.session() as session:
        votes = {v.chunk_key: v.votes for v in (await session.execute(select(ChunkVote))).scalars()}
    assert votes and all(n == 1 for n in votes.values())
    assert any(key.startswith("bank-sync.md#") for key in votes)


async def test_a_rated_answer_shows_only_its_thank_you_not_the_answer_again(answers_runtime: Runtime) -> None:
    bot = TestBot(answers_runtime)
    await bot.push("how do I connect my bank account?")
    assert "Bank sync" in bot.pop()
    await bot.push("helpful")
    assert bot.pop().strip() == "(Thanks! Glad it helped.)"


async def test_a_second_vote_by_the_same_person_is_not_counted(answers_runtime: Runtime) -> None:
    runtime = answers_runtime
    adapter = RecordingAdapter("slack")
    plug(runtime, adapter)
    asker = slack_user("UASK", "Ada")
    await dispatch(runtime, slack_message("E1", asker, "how do I connect my bank?", direct=True), adapter)
    [(_, answer)] = adapter.sent
    helpful = next(b for block in answer.blocks if isinstance(block, Buttons) for b in block.buttons)
    for event_id in ("A1", "A2"):
        press = ActionEvent(
            event_id=event_id,
            conversation=adapter.sent[0][0],
            user=asker,
            action_id=helpful.action_id,
            value=helpful.value,
            message_id="m1",
        )
        await dispatch(runtime, press, adapter)
    [question] = await _questions(runtime)
    assert question.helpful == 1
    assert "already rated" in adapter.sent[-1][1].text


async def test_a_forged_vote_for_a_question_no_row_could_be_gets_a_reply_not_a_failure(
    answers_runtime: Runtime,
) -> None:
    adapter = RecordingAdapter("slack")
    plug(answers_runtime, adapter)
    asker = slack_user("UASK", "Ada")
    await dispatch(
        answers_runtime, slack_message("E1", asker, "how do I connect my bank?", direct=True), adapter
    )
    [(conversation, answer)] = adapter.sent
    helpful = next(b for block in answer.blocks if isinstance(block, Buttons) for b in block.buttons)
    for forged in ("99999999999999999999999", "-1", "abc"):
        press = ActionEvent(
            event_id=f"F{forged}",
            conversation=conversation,
            user=asker,
            action_id=helpful.action_id,
            value=forged,
            message_id="m1",
        )
        await dispatch(answers_runtime, press, adapter)
        assert adapter.sent[-1][1].text == texts.UNKNOWN_QUESTION


async def test_not_helpful_vote_sends_the_question_to_the_experts(answers_runtime: Runtime) -> None:
    await answers_runtime.places.set(EXPERTS_PLACE, "console:experts")
    bot = TestBot(answers_runtime)
    await bot.push("how do I export invoices?")
    answer = bot.pop()
    await bot.push("not helpful")
    replies = bot.pop_all()
    assert any("Thanks for telling me" in r and "asked the experts" in r for r in replies)
    posted = [r for r in replies if r.startswith("[#experts]")]
    assert len(posted) == 1 and "rated not helpful" in posted[0]
    # The answer is quoted line by line as the asker saw it (the last line may be cut), not run together.
    answer_lines = [line.removeprefix("> ") for line in answer.splitlines() if line.strip()]
    quoted_lines = [line.removeprefix("> ") for line in posted[0].splitlines() if line.startswith("> ")]
    assert len(quoted_lines) >= 3
    assert quoted_lines[:-1] == answer_lines[: len(quoted_lines) - 1]
    assert answer_lines[len(quoted_lines) - 1].startswith(quoted_lines[-1].rstrip("…"))
    [question] = await _questions(answers_runtime)
    assert question.unhelpful == 1 and question.escalated


async def test_follow_up_in_the_bots_thread_uses_the_earlier_question(answers_runtime: Runtime) -> None:
    runtime = answers_runtime
    adapter = RecordingAdapter("slack")
    plug(runtime, adapter)
    asker = slack_user("UASK", "Ada")
    first = slack_message("E1", asker, "how do I connect my bank account?", mention=True, message_id="111.1")
    await dispatch(runtime, first, adapter)
    where, answer = adapter.sent[0]
    assert where.thread == "111.1"
    assert "Bank sync" in answer.text
    # Alone, "and with Monzo?" names nothing the knowledge base knows; the thread says what it is about.
    follow_up = slack_message("E2", asker, "and with Monzo?", thread="111.1", in_bot_thread=True)
    await dispatch(runtime, follow_up, adapter)
    where, answer = adapter.sent[1]
    assert where.thread == "111.1"
    assert "Bank sync" in answer.text and "Sources:" in answer.text
    elsewhere = slack_message("E3", asker, "and with Monzo?", channel="COTHER", mention=True)
    await dispatch(runtime, elsewhere, adapter)
    assert "I don't know that yet" in adapter.sent[2][1].text


@pytest.mark.parametrize(
    ("earlier", "page", "unrelated", "reply_starts"),
    [
        # Nothing of it is in the docs.
        (
            "how do I export invoices?",
            "Exporting invoices",
            "what is the airspeed velocity of an unladen swallow?",
            "I don't know that yet",
        ),
        # Its own words find pages, none of which answers it; read with the earlier question ("sales"), the
        # campaign page would look sure.
        (
            "when does the spring campaign start? sales is asking",
            "campaigns › Spring campaign",
            "does northpine integrate with salesforce?",
            "I don't know that yet",
        ),
        # Its word "invoices" finds the earlier page too; nothing in it refers back to the earlier question, and
        # the FAQ answers it on its own ("USD" is a currency).
        (
            "how do I pause a recurring invoice",
            "Recurring invoices › Pause or stop a recurring invoice",
            "can I send invoices in USD?",
            "From faq › Which currencies can I invoice in?",
        ),
    ],
)
async def test_an_unrelated_question_after_an_answered_one_is_not_answered_from_its_page(
    answers_runtime: Runtime, earlier: str, page: str, unrelated: str, reply_starts: str
) -> None:
    bot = TestBot(answers_runtime)
    await bot.push(earlier)
    assert f"From {page}" in bot.pop()
    await bot.push(unrelated)
    reply = bot.pop()
    assert reply.startswith(reply_starts) and f"From {page}" not in reply, reply


async def test_empty_or_wordless_questions_get_a_hint(answers_runtime: Runtime) -> None:
    bot = TestBot(answers_runtime)
    await bot.push("ask")
    assert "Ask me a product question" in bot.pop()
    await bot.push("??? !!! …")
    assert "couldn't find any words" in bot.pop()
    assert await _questions(answers_runtime) == []


async def test_huge_and_odd_unicode_questions_get_an_answer_or_a_decline(answers_runtime: Runtime) -> None:
    bot = TestBot(answers_runtime)
    odd = [
        "export invoices " * 700,  # over 10,000 characters
        "how do I export\x00 invoices?\x07",
        "invoice \udcff export \ud800",  # lone surrogates, as a terminal may pass them on
        "🧾💸 ¿Cómo exporto facturas? Ｅｘｐｏｒｔ　ｉｎｖｏｉｃｅｓ",
        "\u202ehow do I export invoices?\u202c",
        "ﷺ" * 5000 + " bank",
    ]
    for text in odd:
        await bot.push(text)
        reply = bot.pop()
        assert "Sources:" in reply or "I don't know that yet" in reply or "Ask me" in reply
    stored = await _questions(answers_runtime)
    assert len(stored) == len(odd)
    assert all("\x00" not in q.text and len(q.text) <= 4000 for q in stored)


async def test_only_a_comms_lead_chooses_the_experts_channel(answers_runtime: Runtime) -> None:
    runtime = answers_runtime
    adapter = RecordingAdapter("slack")
    plug(runtime, adapter)
    someone = slack_user("USOME", "Sam")
    await dispatch(
        runtime, slack_message("E1", someone, "experts here", channel="CEXP", mention=True), adapter
    )
    assert "Only comms leads" in adapter.sent[-1][1].text
    assert await runtime.places.get(EXPERTS_PLACE) is None
    lead = slack_user("ULEAD", "Lee")
    await dispatch(runtime, slack_message("E2", lead, "experts here", channel="CEXP", mention=True), adapter)
    assert "slack:T1/CEXP" in adapter.sent[-1][1].text
    assert await runtime.places.get(EXPERTS_PLACE) == "slack:T1/CEXP"
    async with runtime.database.session() as session:
        job = (await session.execute(select(ScheduledJob))).scalars().one()
    assert job.kind == DIGEST_JOB and job.cron == "0 9 * * 1"
    await dispatch(runtime, slack_message("E3", lead, "experts set nowhere", direct=True), adapter)
    assert "is not a target" in adapter.sent[-1][1].text


async def test_home_shows_how_to_ask_and_what_waits_for_an_answer(answers_runtime: Runtime) -> None:
    runtime = answers_runtime
    adapter = RecordingAdapter("slack")
    plug(runtime, adapter)
    asker = slack_user("UASK", "Ada")
    await dispatch(runtime, slack_message("E1", asker, "what is a flux capacitor?", direct=True), adapter)
    await dispatch(runtime, HomeOpened(event_id="H1", user=asker), adapter)
    [(_, home)] = adapter.homes
    assert "/clueline ask" in home.text or any("/clueline ask" in getattr(b, "text", "") for b in home.blocks)
    assert any("still waiting for an answer: 1." in getattr(b, "text", "") for b in home.blocks)


@pytest.mark.parametrize(
    ("first", "follow_up", "answered_from"),
    [
        ("how do I pause a recurring invoice?", "and for the monthly ones?", "Recurring invoices"),
        ("api access?", "which plan has it?", "Scale plan"),
        # "what about X" swaps the subject and keeps the ask: the price, now of another plan on the same page.
        ("how much is the starter plan?", "what about growth?", "Growth plan"),
        ("does the starter plan include recurring invoices?", "what about the growth plan?", "Growth plan"),
    ],
)
async def test_a_follow_up_that_adds_to_or_points_back_at_the_question_before_is_read_with_it(
    answers_runtime: Runtime, first: str, follow_up: str, answered_from: str
) -> None:
    bot = TestBot(answers_runtime)
    await bot.push(first)
    bot.pop()
    await bot.push(follow_up)
    reply = bot.pop()
    assert reply.startswith(f"From {answered_from}") or f"› {answered_from}" in reply.splitlines()[0], reply
