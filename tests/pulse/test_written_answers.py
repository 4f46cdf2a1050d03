"""A pulse answer typed as a message never reaches the experts or the question log, where it would sit beside
the person's name; a question asked meanwhile is still answered."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import col

from bot.features.answers.experts import EXPERTS_PLACE
from bot.features.answers.tables import Question
from tests.pulse.conftest import PulseWorld

TYPED = "Too many meetings and my manager changes priorities every week"


async def _logged_questions(world: PulseWorld) -> list[str]:
    async with world.runtime.database.session() as session:
        return list((await session.execute(select(col(Question.text)))).scalars().all())


async def test_a_written_pulse_answer_typed_in_the_dm_is_kept_from_the_experts_and_the_log(
    world: PulseWorld,
) -> None:
    await world.runtime.places.set(EXPERTS_PLACE, "slack:C0EXPERTS")
    await world.create(question="What slows you down?", kind="text", audience=["slack:U1"])
    await world.settle()
    await world.say(TYPED, by="U1")
    await world.settle()
    reply = world.replies_to("U1")[-1]
    assert "I have not kept or passed on that message" in reply and "What slows you down?" in reply
    assert world.sent_to("C0EXPERTS") == [] and await _logged_questions(world) == []
    # A question is still a question.
    await world.say("how do I export invoices?", by="U1")
    await world.settle()
    assert await _logged_questions(world) == ["how do I export invoices?"]


async def test_a_written_answer_sent_with_the_command_from_a_channel_is_kept_from_the_log_too(
    world: PulseWorld,
) -> None:
    # `/clueline ...` typed while in #general is as private as the DM: nobody else sees it.
    await world.create(audience=["slack:U2"])
    await world.settle()
    await world.say("3, my manager never listens", by="U2", channel="CGENERAL", command=True)
    await world.settle()
    assert "I have not kept or passed on that message" in world.sent_to("CGENERAL")[-1].text
    assert await _logged_questions(world) == []


async def test_a_comment_typed_after_a_one_tap_answer_is_kept_too(world: PulseWorld) -> None:
    await world.create(audience=["slack:U1"])
    await world.settle()
    await world.tap("U1", "9")
    await world.say("honestly my team lead changes plans weekly", by="U1")
    await world.settle()
    assert "I have not kept or passed on that message" in world.replies_to("U1")[-1]
    assert await _logged_questions(world) == []


async def test_words_typed_before_tapping_a_score_are_kept_from_the_experts_and_the_log(
    world: PulseWorld,
) -> None:
    # The eNPS card is open and unanswered: the person replies in words first, as people do.
    await world.runtime.places.set(EXPERTS_PLACE, "slack:C0EXPERTS")
    await world.create(audience=["slack:U1"])
    await world.settle()
    await world.say("Honestly my manager Tom makes this a terrible place to work", by="U1")
    await world.settle()
    assert "I have not kept or passed on that message" in world.replies_to("U1")[-1]
    assert world.sent_to("C0EXPERTS") == [] and await _logged_questions(world) == []


async def test_without_a_pulse_open_a_statement_is_answered_but_not_sent_to_the_experts(
    world: PulseWorld,
) -> None:
    await world.runtime.places.set(EXPERTS_PLACE, "slack:C0EXPERTS")
    await world.say(TYPED, by="U2")
    await world.settle()
    assert await _logged_questions(world) == [TYPED]
    assert "did not read as a question" in world.replies_to("U2")[-1]
    assert world.sent_to("C0EXPERTS") == []
    # Asked outright, it goes.
    await world.say(f"ask {TYPED}", by="U2")
    await world.settle()
    assert len(world.sent_to("C0EXPERTS")) == 1


async def test_thanks_while_a_pulse_waits_is_answered_in_kind_and_a_bare_good_is_still_held_back(
    world: PulseWorld,
) -> None:
    await world.create(question="How was the offsite?", kind="text", audience=["slack:U1"])
    await world.settle()
    await world.say("thanks!", by="U1")
    await world.settle()
    assert world.replies_to("U1")[-1].startswith("You're welcome")
    # "good" may be the answer itself: the person is told how to answer anonymously instead.
    await world.say("good", by="U1")
    await world.settle()
    assert "I have not kept or passed on that message" in world.replies_to("U1")[-1]
    assert await _logged_questions(world) == []


async def test_a_written_pulse_card_states_the_one_rule_its_answers_follow(world: PulseWorld) -> None:
    await world.create(question="What slows you down?", kind="text", audience=["slack:C1"], threshold=3)
    await world.settle()
    card = world.sent_to("D-U1")[0]
    assert "Answers appear when the pulse closes, if at least 10 people answered." in str(card.model_dump())
    assert "comments if at least" not in str(card.model_dump())
