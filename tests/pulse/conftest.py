"""The pulse tests' world: the conversation test bot on a manual clock, with a Slack channel of people."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot.clock import ManualClock
from bot.core.types import UserRef
from bot.features.pulse.runs import create_pulse
from bot.features.pulse.spec import build_spec
from bot.runtime import Runtime
from bot.settings import Settings
from tests.support.databases import TEST_SECRET_KEY
from tests.support.recording import RecordingAdapter
from tests.support.runtime import build_test_runtime, close
from tests.support.testbot import TestBot, person

START = datetime(2026, 6, 1, 9, tzinfo=UTC)  # a Monday
PEOPLE = [f"U{number}" for number in range(1, 9)]


def slack_user(
    user_id: str, *, is_bot: bool = False, is_guest: bool = False, is_deleted: bool = False
) -> UserRef:
    """A Slack person of the test workspace."""
    return person(user_id, "slack", is_bot=is_bot, is_guest=is_guest, is_deleted=is_deleted)


class PulseWorld(TestBot):
    """The conversation test bot on a manual clock, with the helpers of pulse's tests."""

    clock: ManualClock

    def __init__(self, runtime: Runtime, clock: ManualClock) -> None:
        super().__init__(runtime, clock=clock)

    @property
    def slack(self) -> RecordingAdapter:
        """The recording Slack."""
        return self.platform("slack")

    async def create(self, **options: object) -> int:
        """Create a pulse as the comms lead slack:ULEAD (defaults: eNPS to #C1, now)."""
        arguments: dict[str, object] = {
            "question": "enps",
            "kind": None,
            "audience": ["slack:C1"],
            "created_by": "slack:ULEAD",
        }
        arguments.update(options)
        spec = build_spec(**arguments)  # type: ignore[arg-type]
        return await create_pulse(self.runtime, spec)

    def tokens(self, user_id: str) -> list[str]:
        """Every answer token sent to a person, oldest first."""
        return self.button_values(user_id, "pulse.")

    def dm_count(self, user_id: str) -> int:
        """How many messages a person got."""
        return len(self.sent_to(f"D-{user_id}"))

    async def tap(
        self, user_id: str, choice: str, token: str | None = None, action: str = "pulse.answer."
    ) -> None:
        """Press an answer button as a person (their newest token unless given)."""
        value = token if token is not None else self.tokens(user_id)[-1]
        await self.act(user_id, action + choice, value)

    async def act(self, user_id: str, action_id: str, value: str = "", **form: str) -> None:
        """Any action as a person in their DM."""
        if form:
            await self.submit(action_id, value, by=user_id, **form)
        else:
            await self.press(action_id, value, by=user_id)


@pytest.fixture
async def world(database_url: str) -> AsyncIterator[PulseWorld]:
    """Every feature on a manual clock, and a Slack whose #C1 has eight people and three others."""
    clock = ManualClock(START)
    runtime = build_test_runtime(
        Settings(
            database_url=database_url,
            admins=frozenset({"slack:ULEAD", "console:lead"}),
            secret_key=TEST_SECRET_KEY,
        ),
        clock,
    )
    world = PulseWorld(runtime, clock)
    world.add_members(
        "C1",
        [slack_user(p) for p in PEOPLE]
        + [
            slack_user("UBOT", is_bot=True),
            slack_user("UGUEST", is_guest=True),
            slack_user("UGONE", is_deleted=True),
        ],
    )
    yield world
    await close(runtime)
