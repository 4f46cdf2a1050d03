"""`team add|list|remove` in chat: comms leads only, channel mentions become TARGETs, bad input says what works."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.link.conftest import LinkWorld, make_world
from tests.support.testbot import TestBot


@pytest.fixture
async def world(database_url: str) -> AsyncIterator[LinkWorld]:
    """A runtime with every feature and no history."""
    made = make_world(database_url)
    yield made
    await made.runtime.database.dispose()


async def test_a_comms_lead_adds_lists_and_removes_a_team_in_chat(world: LinkWorld) -> None:
    lead = TestBot(world.runtime, user_id="lead")
    await lead.push("team add Support <#C1|support> slack:C2 --product helpdesk --max-score 6")
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


async def test_team_and_link_are_for_comms_leads_only(world: LinkWorld) -> None:
    someone = TestBot(world.runtime, user_id="someone")
    for command in ("team list", "link", "link channel here"):
        await someone.push(command)
        assert someone.pop().startswith("Only comms leads can use")
