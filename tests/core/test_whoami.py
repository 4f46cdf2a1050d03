"""`whoami`: the id a person has as CLUELINE_ADMINS writes it, so a comms lead can name themselves."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot.clock import ManualClock
from bot.runtime import Runtime
from bot.settings import Settings
from tests.support.databases import TEST_SECRET_KEY
from tests.support.runtime import build_test_runtime, close
from tests.support.testbot import TestBot


@pytest.fixture
async def runtime(database_url: str) -> AsyncIterator[Runtime]:
    built = build_test_runtime(
        Settings(database_url=database_url, admins=frozenset({"console:lead"}), secret_key=TEST_SECRET_KEY),
        ManualClock(datetime(2026, 12, 7, 9, 0, tzinfo=UTC)),
    )
    yield built
    await close(built)


async def test_whoami_gives_the_id_admins_take_and_whether_one_is_a_comms_lead(runtime: Runtime) -> None:
    employee = TestBot(runtime, user_id="ana")
    await employee.push("whoami")
    assert employee.pop() == (
        "You are `console:ana` (not a comms lead). That is how `CLUELINE_ADMINS` names you, comma separated beside "
        "the others, and what `pulse grant` grants."
    )
    lead = TestBot(runtime, user_id="lead")
    await lead.push("whoami")
    assert "You are `console:lead` (a comms lead)" in lead.pop()


async def test_whoami_in_a_channel_names_the_channel_as_routes_and_teams_take_it(runtime: Runtime) -> None:
    bot = TestBot(runtime, user_id="ana")
    await bot.say("whoami", by="UANA", on="teams", channel="19:billing@thread.tacv2", mention=True)
    [reply] = bot.sent_to("19:billing@thread.tacv2", on="teams")
    assert "This channel is `teams:19:billing@thread.tacv2`." in reply.text
    await bot.say("whoami", by="UANA", on="slack", channel="C0BILLING", mention=True)
    [reply] = bot.sent_to("C0BILLING")
    assert "This channel is `slack:T1/C0BILLING`." in reply.text
