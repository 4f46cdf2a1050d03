"""`team add|list|remove` in chat: comms leads only, bad input says what works."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.link.conftest import LinkWorld, make_world
from tests.support.testbot import TestBot
from tests.support.wiring import features_of


@pytest.fixture
async def world(database_url: str) -> AsyncIterator[LinkWorld]:
    """A runtime with every feature and no history."""
    made = make_world(database_url)
    yield made
    await made.runtime.database.dispose()


async def test_a_comms_lead_adds_lists_and_removes_a_team_in_chat(world: LinkWorld) -> None:
    lead = TestBot(world.runtime, user_id="lead")
    await lead.push("team add Support console:C1 slack:C2 --product helpdesk --max-score 6")
    assert lead.pop() == (
        "Team Support added: Support: console:C1, slack:C2; customers: product helpdesk, score 0-6"
    )
    await lead.push("team list")
    assert "Support: console:C1, slack:C2" in lead.pop()
    await lead.push("team add Ops #ops")
    assert "is not a TARGET; use slack:CHANNEL_ID" in lead.pop()
    await lead.push("team add Ops slack:C3 --max-score 11")
    assert "outside 0-10" in lead.pop()
    await lead.push("team remove Nobody")
    assert lead.pop() == "no team 'Nobody'; teams: Support"
    await lead.push("link Nobody")
    assert lead.pop() == "no team 'Nobody'; teams: Support."
    await lead.push("link --months 40")
    assert "use 1 to 36" in lead.pop()
    await lead.push("team remove Support")
    assert lead.pop() == "Team Support removed."


async def test_a_team_for_a_tag_no_feedback_has_is_added_with_a_note(world: LinkWorld) -> None:
    from bot.customer_voice.items import FeedbackItem

    intake = features_of(world.runtime).feedback.importing.intake
    now = world.clock.now()
    await intake.accept([FeedbackItem(id="a", source="s", text="Late", received_at=now, tags=("sla",))])
    lead = TestBot(world.runtime, user_id="lead")
    await lead.push("team add Ops slack:C3 --tag slaa")
    reply = lead.pop()
    assert reply.startswith("Team Ops added")
    assert 'no feedback so far has tag "slaa" (tags seen: sla)' in reply


async def test_team_and_link_are_for_comms_leads_only(world: LinkWorld) -> None:
    someone = TestBot(world.runtime, user_id="someone")
    for command in ("team list", "link", "link channel here"):
        await someone.push(command)
        assert someone.pop().startswith("Only comms leads can use")


async def test_a_team_without_filters_takes_the_feedback_routed_to_its_channels(world: LinkWorld) -> None:
    from datetime import timedelta

    from bot.customer_voice.items import FeedbackItem
    from bot.features.feedback import manage
    from bot.features.feedback.routing import parse_route

    await manage.add_route(world.runtime, parse_route("slack:C7", product="payroll"), "test")
    lead = TestBot(world.runtime, user_id="lead")
    await lead.push("team add Payroll slack:C7")
    assert "customers: feedback routed to its channels" in lead.pop()
    world.clock.advance(timedelta(days=2))
    now = world.clock.now()
    intake = features_of(world.runtime).feedback.importing.intake
    await intake.accept(
        [
            FeedbackItem(
                id="a", source="s", text="Payroll ran on time.", received_at=now, scale="nps", score=10
            ),
            FeedbackItem(
                id="b",
                source="s",
                text="Payroll slip wrong.",
                received_at=now,
                scale="nps",
                score=2,
                product="payroll",
            ),
            FeedbackItem(
                id="c",
                source="s",
                text="Payroll fine.",
                received_at=now - timedelta(minutes=1),
                scale="nps",
                score=9,
                product="payroll",
            ),
        ]
    )
    report = await world.report(months=1)
    [row] = report.teams[0].rows
    # b and c are about payroll (route filter): one promoter, one detractor.
    assert (row["customer_nps"], row["customer_responses"]) == (0, 2)
    assert report.company[0]["customer_responses"] == 3
    assert report.teams[0].notes == [
        "no employee figures: no closed eNPS pulse asked slack:C7 in these months"
    ]


async def test_what_gets_in_the_way_shows_only_when_enough_of_a_team_answered(world: LinkWorld) -> None:
    from datetime import timedelta

    from bot.features.link.teams import build_team, save_team
    from bot.features.pulse.ballots import AnswerOutcome, record_answer
    from bot.features.pulse.closing import close_pulse
    from bot.features.pulse.runs import create_pulse
    from bot.features.pulse.spec import build_spec
    from tests.link.conftest import slack_user

    world.add_members("C9", [slack_user(f"O{n}") for n in range(11)])
    world.add_members("C8", [slack_user(f"Q{n}") for n in range(9)])
    # Ten more, the smallest channel to keep its label: the nine unlabelled answers would be a group of their own,
    # so C7's give up their label too and Ops keeps its own.
    world.add_members("C7", [slack_user(f"R{n}") for n in range(10)])
    await save_team(world.runtime, build_team("Ops", ["slack:C9"]), "test")
    await save_team(world.runtime, build_team("Quality", ["slack:C8"]), "test")
    world.clock.advance(timedelta(days=2))
    spec = build_spec(
        question="obstacles",
        kind=None,
        audience=["slack:C9", "slack:C8", "slack:C7"],
        created_by="slack:ULEAD",
    )
    pulse_id = await create_pulse(world.runtime, spec)
    await world.settle()
    answers = ["Too many meetings.", "Slow laptops and meetings.", "Meetings all day.", "Old laptops."]
    people = [f"O{n}" for n in range(11)] + [f"Q{n}" for n in range(9)] + [f"R{n}" for n in range(10)]
    for person in people:
        text = answers[int(person[1:]) % len(answers)]
        result = await record_answer(world.runtime, f"slack:{person}", world.newest_token(person), text)
        assert result.outcome is AnswerOutcome.RECORDED
    world.clock.advance(timedelta(hours=1))
    assert await close_pulse(world.runtime, pulse_id) == 1
    report = await world.report(months=1)
    themes = {team.team: team.employee_themes for team in report.teams}
    # Ops: 11 answers; "meetings" in O0-O2, O4-O6, O8-O10 (9), "laptops" in O1, O3, O5, O7, O9 (5).
    assert themes["Ops"][:2] == [("meetings", 9), ("laptops", 5)]
    # Quality's 9 answers are below the comment threshold (10): no themes, though they were answered.
    assert themes["Quality"] == []
