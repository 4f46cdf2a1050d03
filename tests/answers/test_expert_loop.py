"""The expert loop: an unanswered question goes to the experts, an expert's reply is saved and sent back."""

from __future__ import annotations

import asyncio

from sqlalchemy import select
from sqlmodel import col

from bot.core.types import ActionEvent, Button, Buttons, OutboundMessage, UserRef
from bot.features.answers.experts import EXPERTS_PLACE
from bot.features.answers.tables import Question
from bot.runtime import Runtime
from knowledge.tables import KnowledgeDocument
from tests.answers.conftest import slack_message, slack_user
from tests.support.recording import RecordingAdapter
from tests.support.runtime import dispatch, plug, settle

QUESTION = "Can we invoice in Bitcoin?"
EXPERT_ANSWER = (
    "No: Northpine invoices only in fiat currencies. Crypto payments can be recorded as manual payments."
)


async def _drain(runtime: Runtime) -> None:
    await settle(runtime)


def _button(message: OutboundMessage, label: str) -> Button:
    return next(
        b for block in message.blocks if isinstance(block, Buttons) for b in block.buttons if b.label == label
    )


def _press(
    event_id: str, user: UserRef, button: Button, sent_index: int, adapter: RecordingAdapter
) -> ActionEvent:
    conversation, _ = adapter.sent[sent_index]
    return ActionEvent(
        event_id=event_id,
        conversation=conversation,
        user=user,
        action_id=button.action_id,
        value=button.value,
        message_id=f"msg-{sent_index}",
    )


async def _escalated_question(runtime: Runtime, adapter: RecordingAdapter, asker: UserRef) -> int:
    await runtime.places.set(EXPERTS_PLACE, "slack:T1/CEXPERTS")
    await dispatch(runtime, slack_message("E1", asker, QUESTION, channel="DASK", direct=True), adapter)
    assert "I don't know that yet" in adapter.sent[-1][1].text
    await _drain(runtime)
    posted_to, post = adapter.sent[-1]
    assert posted_to.channel == "CEXPERTS"
    assert QUESTION in post.text and "Ada" in post.text
    return len(adapter.sent) - 1


async def _expert_thread(runtime: Runtime) -> str | None:
    """The thread of the experts' post about the one question asked."""
    async with runtime.database.session() as session:
        return (await session.execute(select(Question))).scalars().one().expert_thread


async def test_expert_reply_saved_as_answer_reaches_the_asker_and_answers_next_time(
    answers_runtime: Runtime,
) -> None:
    runtime = answers_runtime
    adapter = RecordingAdapter("slack")
    plug(runtime, adapter)
    asker, expert = slack_user("UASK", "Ada"), slack_user("UEXP", "Eve")
    await _escalated_question(runtime, adapter, asker)
    async with runtime.database.session() as session:
        question = (await session.execute(select(Question))).scalars().one()
    assert question.expert_thread is not None  # the posted message's id, recorded when it was sent

    reply = slack_message(
        "E2", expert, EXPERT_ANSWER, channel="CEXPERTS", thread=question.expert_thread, in_bot_thread=True
    )
    await dispatch(runtime, reply, adapter)
    thread, prompt = adapter.sent[-1]
    assert thread.channel == "CEXPERTS" and thread.thread == question.expert_thread
    save = _button(prompt, "Save as answer")

    await dispatch(runtime, _press("A1", expert, save, len(adapter.sent) - 1, adapter), adapter)
    _, confirmation = adapter.updated[-1]
    assert "Saved as the answer" in confirmation.text and "Eve" in confirmation.text
    await _drain(runtime)
    dm_to, dm = adapter.sent[-1]
    assert dm_to.is_direct and dm_to.channel == "DASK"  # the DM the question came from
    assert EXPERT_ANSWER in dm.text and QUESTION in dm.text

    async with runtime.database.session() as session:
        faq = (
            (await session.execute(select(KnowledgeDocument).where(col(KnowledgeDocument.kind) == "faq")))
            .scalars()
            .all()
        )
        saved = [d for d in faq if d.source.startswith("expert-answers/")]
        stored_question = (await session.execute(select(Question))).scalars().one()
    assert len(saved) == 1
    assert saved[0].owner == "slack:UEXP" and saved[0].verified_on == runtime.clock.now().date()
    assert stored_question.resolved_by == "slack:UEXP"

    someone_else = slack_user("UBOB", "Bob")
    await dispatch(
        runtime,
        slack_message("E3", someone_else, "can we invoice in bitcoin", channel="DBOB", direct=True),
        adapter,
    )
    _, answer = adapter.sent[-1]
    assert "fiat currencies" in answer.text
    assert "Expert answers" in answer.text


async def test_thanks_in_the_experts_thread_is_not_offered_as_an_answer(answers_runtime: Runtime) -> None:
    runtime = answers_runtime
    adapter = RecordingAdapter("slack")
    plug(runtime, adapter)
    asker, expert = slack_user("UASK", "Ada"), slack_user("UEXP", "Eve")
    await _escalated_question(runtime, adapter, asker)
    thread = await _expert_thread(runtime)
    before = len(adapter.sent)
    await dispatch(
        runtime,
        slack_message("E2", expert, "ok, thanks!", channel="CEXPERTS", thread=thread, in_bot_thread=True),
        adapter,
    )
    assert len(adapter.sent) == before  # no "Save this reply as the answer?" prompt, no reply at all
    await dispatch(
        runtime,
        slack_message("E3", expert, EXPERT_ANSWER, channel="CEXPERTS", thread=thread, in_bot_thread=True),
        adapter,
    )
    assert _button(adapter.sent[-1][1], "Save as answer")


async def test_only_the_expert_or_a_comms_lead_can_save_a_reply(answers_runtime: Runtime) -> None:
    runtime = answers_runtime
    adapter = RecordingAdapter("slack")
    plug(runtime, adapter)
    asker, expert, bystander = slack_user("UASK", "Ada"), slack_user("UEXP", "Eve"), slack_user("UBY", "Bo")
    await _escalated_question(runtime, adapter, asker)
    thread = await _expert_thread(runtime)
    await dispatch(
        runtime,
        slack_message("E2", expert, EXPERT_ANSWER, channel="CEXPERTS", thread=thread, in_bot_thread=True),
        adapter,
    )
    save = _button(adapter.sent[-1][1], "Save as answer")
    index = len(adapter.sent) - 1
    await dispatch(runtime, _press("A1", bystander, save, index, adapter), adapter)
    refusal = adapter.sent[-1][1]
    assert "Only Eve or a comms lead" in refusal.text and refusal.ephemeral_to == bystander
    assert adapter.updated == []

    lead = slack_user("ULEAD", "Lee")
    await dispatch(runtime, _press("A2", lead, save, index, adapter), adapter)
    assert "Saved as the answer" in adapter.updated[-1][1].text
    await dispatch(runtime, _press("A3", lead, save, index, adapter), adapter)
    assert "already saved" in adapter.sent[-1][1].text


async def _answered_with_experts_set(runtime: Runtime) -> tuple[RecordingAdapter, UserRef, Button]:
    adapter = RecordingAdapter("slack")
    plug(runtime, adapter)
    await runtime.places.set(EXPERTS_PLACE, "slack:CEXPERTS")
    asker = slack_user("UASK", "Ada")
    await dispatch(runtime, slack_message("E1", asker, "how do I export invoices?", direct=True), adapter)
    return adapter, asker, _button(adapter.sent[0][1], "Ask an expert")


async def test_ask_an_expert_button_escalates_once(answers_runtime: Runtime) -> None:
    runtime = answers_runtime
    adapter, asker, ask_expert = await _answered_with_experts_set(runtime)
    await dispatch(runtime, _press("A1", asker, ask_expert, 0, adapter), adapter)
    await dispatch(runtime, _press("A2", asker, ask_expert, 0, adapter), adapter)
    await _drain(runtime)
    posts = [m for c, m in adapter.sent if c.channel == "CEXPERTS"]
    assert len(posts) == 1
    assert "asked the experts" in adapter.updated[0][1].text
    assert "already with the experts" in adapter.updated[1][1].text
    # The answer stays in place above the note, without its buttons.
    assert "Exporting invoices" in adapter.updated[0][1].text
    assert not any(isinstance(b, Buttons) for b in adapter.updated[0][1].blocks)


async def test_ask_an_expert_tells_the_experts_it_was_asked_for_not_rated_unhelpful(
    answers_runtime: Runtime,
) -> None:
    runtime = answers_runtime
    adapter, asker, ask_expert = await _answered_with_experts_set(runtime)
    await dispatch(runtime, _press("A1", asker, ask_expert, 0, adapter), adapter)
    await _drain(runtime)
    [post] = [m for c, m in adapter.sent if c.channel == "CEXPERTS"]
    assert "rated not helpful" not in post.text
    assert post.text.startswith("**A question for the experts**")
    assert "They pressed Ask an expert after my answer, which was:" in post.text


async def test_ask_an_expert_pressed_with_someone_elses_question_posts_nothing(
    answers_runtime: Runtime,
) -> None:
    # Question ids count up: a press from another conversation, with a guessed id, must not post a DM's
    # statement (kept from the experts on purpose) to the experts' channel beside its author's name.
    runtime = answers_runtime
    adapter = RecordingAdapter("slack")
    plug(runtime, adapter)
    await runtime.places.set(EXPERTS_PLACE, "slack:T1/CEXPERTS")
    victim, curious = slack_user("UVIC", "Vic"), slack_user("UCUR", "Cur")
    statement = "my manager makes this a terrible place to work and I am thinking of quitting"
    await dispatch(runtime, slack_message("E1", victim, statement, channel="DVIC", direct=True), adapter)
    await _drain(runtime)
    async with runtime.database.session() as session:
        victims = (await session.execute(select(Question))).scalars().one()
    posts_before = len(adapter.sent)
    forged = ActionEvent(
        event_id="A1",
        conversation=slack_message("E2", curious, "x", channel="DCUR", direct=True).conversation,
        user=curious,
        action_id="answers.expert",
        value=str(victims.id),
    )
    await dispatch(runtime, forged, adapter)
    await _drain(runtime)
    assert not [post for to, post in adapter.sent[posts_before:] if to.channel == "CEXPERTS"]
    async with runtime.database.session() as session:
        assert not (await session.get(Question, victims.id)).escalated  # type: ignore[union-attr]


async def test_a_double_clicked_vote_counts_once_and_fails_neither_press(answers_runtime: Runtime) -> None:
    from bot.features.answers.questions import Asked, QuestionLog

    log = QuestionLog(answers_runtime.database, answers_runtime.clock)
    asker = slack_user("UASK", "Ada")
    where = slack_message("E1", asker, QUESTION, channel="DASK", direct=True).conversation
    question_id = await log.record(Asked(asker, where, QUESTION, "an answer", True, []))
    votes = await asyncio.gather(*(log.vote(question_id, "slack:UBOB", helpful=False) for _ in range(2)))
    others = await asyncio.gather(*(log.vote(question_id, f"slack:U{n}", helpful=False) for n in range(5)))
    assert sorted(vote is None for vote in votes) == [False, True]  # one counted, one "already voted"
    assert all(vote is not None for vote in others)
    async with answers_runtime.database.session() as session:
        stored = await session.get(Question, question_id)
    assert stored is not None and stored.unhelpful == 6  # none lost to another's press at the same time
