"""The pulse in chat, errbot style: push a message, pop the reply."""

from __future__ import annotations

from pathlib import Path

from bot.core.types import Choice, OutboundMessage, Text, TextInput
from bot.features.pulse import render, texts
from bot.features.pulse.views import list_pulses
from bot.runtime import Runtime
from tests.pulse.conftest import PulseWorld
from tests.support.cli_in_process import demo_here as demo
from tests.support.testbot import TestBot


async def test_people_who_are_not_comms_leads_get_a_clear_refusal(runtime: Runtime) -> None:
    bot = TestBot(runtime, user_id="someone")
    for command in ("pulse new", "pulse list", "pulse results 1", "pulse close 1", "pulse grant @me"):
        await bot.push(command)
        assert bot.pop() == texts.NOT_A_LEAD
    assert not await runtime.roles.is_comms_lead("console:me")


async def test_a_comms_lead_grants_the_role_and_the_new_lead_may_list(runtime: Runtime) -> None:
    lead = TestBot(runtime, user_id="lead")
    await lead.push("pulse grant @bob")
    assert "console:bob is now a comms lead" in lead.pop()
    bob = TestBot(runtime, user_id="bob")
    await bob.push("pulse list")
    assert "No pulses yet" in bob.pop()


async def test_a_grant_without_a_person_shows_an_id_of_the_askers_own_platform(runtime: Runtime) -> None:
    lead = TestBot(runtime, user_id="lead")
    await lead.push("pulse grant")
    hint = lead.pop()
    assert "yours is `console:lead`" in hint and "slack:" not in hint


async def test_results_and_close_need_a_pulse_number(runtime: Runtime) -> None:
    lead = TestBot(runtime, user_id="lead")
    await lead.push("pulse results")
    assert "Which pulse?" in lead.pop()
    await lead.push("pulse close 42")
    assert lead.pop() == "No pulse #42."


async def test_pulse_new_opens_a_form_and_its_submit_creates_the_pulse(world: PulseWorld) -> None:
    await world.act(
        "ULEAD",
        render.CREATE_FORM,
        audience="slack:C1",
        question="enps",
        when="0 9 * * MON",
        tz="Nowhere/Land",
    )
    assert (
        "Unknown time zone" in world.replies_to("ULEAD")[-1]
        and "Europe/Berlin" in world.replies_to("ULEAD")[-1]
    )
    await world.act("ULEAD", render.CREATE_FORM, audience="slack:C1", question="enps", closes_after="2d")
    assert world.replies_to("ULEAD")[-1].startswith("Pulse #1 created")
    assert sorted(c.channel for c, _ in world.slack.sent if c.channel.startswith("D-U")) != []
    await world.act("U1", render.CREATE_FORM, audience="slack:C1", question="enps")
    assert world.replies_to("U1")[-1] == texts.NOT_A_LEAD


async def test_a_weekly_pulse_open_ten_days_is_created_with_a_note_that_its_runs_overlap(
    world: PulseWorld,
) -> None:
    form = {"audience": "slack:C1", "question": "enps", "when": "0 9 * * MON", "tz": "Europe/Berlin"}
    await world.act("ULEAD", render.CREATE_FORM, **form, closes_after="10d")
    created = world.replies_to("ULEAD")[-1]
    assert created.startswith("Pulse #1 created")
    assert "each run stays open 10d but the next one starts as soon as 7d later" in created
    await world.act("ULEAD", render.CREATE_FORM, **form, closes_after="7d")
    assert "open at once" not in world.replies_to("ULEAD")[-1]


async def test_an_audience_the_form_cannot_use_is_refused_with_this_chats_own_name_as_the_example(
    world: PulseWorld,
) -> None:
    await world.act("ULEAD", render.CREATE_FORM, audience="#general", question="enps")
    refusal = world.replies_to("ULEAD")[-1]
    assert "'#general' is not an audience" in refusal
    assert "e.g. slack:T1/D-ULEAD (this chat)" in refusal, refusal
    assert not await list_pulses(world.runtime)


async def test_the_pulse_list_tells_pulses_of_one_question_apart_by_audience_and_date(
    world: PulseWorld,
) -> None:
    for audience in ("slack:C1", "slack:U1 slack:U2 slack:U3"):
        await world.act("ULEAD", render.CREATE_FORM, audience=audience, question="enps", threshold="5")
    await world.say("pulse list", by="ULEAD")
    listed = world.replies_to("ULEAD")[-1]
    assert "to slack:C1 (open, 1 run, 0 answered in the latest on 2026-06-01)" in listed, listed
    assert "to slack:U1, slack:U2 and 1 more (open" in listed, listed


async def test_a_refused_new_pulse_form_opens_again_filled_in_as_it_was(world: PulseWorld) -> None:
    await world.act(
        "ULEAD",
        render.CREATE_FORM,
        audience="#general",
        question="obstacles",
        closes_after="2d",
        threshold="",
    )
    assert "'#general' is not an audience" in world.replies_to("ULEAD")[-1]
    [typed] = world.button_values("ULEAD", render.REFILL_ACTION)
    await world.press(render.REFILL_ACTION, typed, by="ULEAD")
    form = world.slack.forms[-1]
    assert form.callback_id == render.CREATE_FORM
    filled = {b.action_id: b.initial for b in form.blocks if isinstance(b, TextInput | Choice)}
    assert (filled["audience"], filled["closes_after"], filled["question"]) == ("#general", "2d", "obstacles")
    assert filled["threshold"] == "" and filled["when"] == ""
    # Only a comms lead may open it; a forged value opens nothing.
    await world.press(render.REFILL_ACTION, typed, by="U1")
    assert world.replies_to("U1")[-1] == texts.NOT_A_LEAD
    await world.press(render.REFILL_ACTION, "not json", by="ULEAD")
    assert "can't be opened again" in world.replies_to("ULEAD")[-1]
    assert len(world.slack.forms) == 1


async def test_home_shows_a_comms_lead_their_pulses(world: PulseWorld) -> None:
    from bot.core.types import HomeOpened
    from tests.pulse.conftest import slack_user

    await world.create()
    await world.deliver(HomeOpened(event_id="h1", user=slack_user("ULEAD")), "slack")
    await world.deliver(HomeOpened(event_id="h2", user=slack_user("U1")), "slack")
    lead_home, someone_home = (message for _, message in world.slack.homes)
    assert "Would you refer a friend" in _text(lead_home)
    assert "Would you refer a friend" not in _text(someone_home)


def _text(message: OutboundMessage) -> str:
    return "\n".join(block.text for block in message.blocks if isinstance(block, Text))


async def test_free_text_answer_typed_in_the_chat_where_there_are_no_forms(runtime: Runtime) -> None:
    lead = TestBot(runtime, user_id="lead")
    from bot.features.pulse.runs import create_pulse
    from bot.features.pulse.spec import build_spec

    spec = build_spec(question="obstacles", kind=None, audience=["console:lead"], created_by="console:lead")
    await create_pulse(runtime, spec)
    await lead.push("help")  # any turn lets the scheduler open the run and send the DM
    assert any("What gets in the way" in reply for reply in lead.pop_all())
    await lead.push("pulse answer")
    assert "empty" in lead.pop()
    await lead.push("Write my answer")
    assert any("pulse answer" in reply for reply in lead.pop_all())
    await lead.push("pulse answer Too many meetings on Mondays")
    assert "Thank you" in lead.pop()
    await lead.push("pulse answer Again")
    assert lead.pop() == texts.ALREADY_ANSWERED


async def test_a_typed_score_out_of_range_or_not_a_number_is_refused_without_repeating_it(
    runtime: Runtime,
) -> None:
    from bot.features.pulse.runs import create_pulse
    from bot.features.pulse.spec import build_spec

    lead = TestBot(runtime, user_id="lead")
    spec = build_spec(question="enps", kind=None, audience=["console:lead"], created_by="console:lead")
    await create_pulse(runtime, spec)
    await lead.push("help")  # any turn lets the scheduler open the run and send the DM
    lead.pop_all()
    refused = "That is not an answer to this question: it takes a whole number from 0 to 10."
    await lead.push("pulse answer 11")
    assert lead.pop() == refused
    # Never repeated: a reply held in the outbox is stored beside the person's DM.
    await lead.push("pulse answer 9/10, love the team")
    assert lead.pop() == refused
    await lead.push("pulse answer 9")
    assert "Thank you" in lead.pop()
    await lead.push("pulse comment " + "long " * 450)
    assert lead.pop() == "The comment is longer than 2000 characters; shorten it."  # not how long it was
    await lead.push("pulse answer 7")
    assert lead.pop() == texts.ALREADY_ANSWERED
    stranger = TestBot(runtime, user_id="stranger")
    await stranger.push("pulse answer 7")
    assert stranger.pop() == texts.REFUSED  # no pulse of theirs: the one neutral refusal


async def test_an_answer_or_comment_said_in_a_channel_is_refused_and_not_recorded(runtime: Runtime) -> None:
    from sqlalchemy import func, select

    from bot.features.pulse.runs import create_pulse
    from bot.features.pulse.spec import build_spec
    from bot.features.pulse.tables import PulseBallot, PulsePendingBallot

    bot = TestBot(runtime, user_id="lead")
    bot.platform("slack")
    spec = build_spec(question="enps", kind=None, audience=["slack:U1"], created_by="console:lead")
    await create_pulse(runtime, spec)
    await bot.push("help")  # any turn lets the scheduler open the run and send the DM
    bot.pop_all()
    await bot.say("pulse answer 3", by="U1", channel="C-general", mention=True)
    await bot.say("pulse comment my manager never listens", by="U1", channel="C-general", mention=True)
    in_channel = [m for m in bot.pop_posts("C-general")]
    async with runtime.database.session() as session:
        stored = await session.scalar(select(func.count()).select_from(PulsePendingBallot))
        stored = (stored or 0) + (await session.scalar(select(func.count()).select_from(PulseBallot)) or 0)
    await bot.say("pulse answer 3", by="U1")  # the same in the DM: taken
    assert [_text(m) for m in in_channel] == [texts.ANSWER_IN_PRIVATE, texts.ANSWER_IN_PRIVATE]
    assert stored == 0
    assert any("Thank you" in _text(m) for m in bot.sent_to("D-U1"))


def test_demo_runs_the_sample_pulse_records_the_answer_and_shows_the_rules(tmp_path: Path) -> None:
    done = demo("pulse\n9\n", tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Would you refer a friend to work here?" in done.stdout
    assert "Thank you! Your answer is recorded anonymously." in done.stdout
    assert "Results appear when the pulse closes, if at least 5 people answered" in done.stdout
    assert "of 8 answered" not in done.stdout, "answer order is not told"
