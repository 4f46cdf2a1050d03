"""A pulse test world: a runtime on a manual clock, a recording Slack with a channel of people."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from bot.clock import ManualClock
from bot.core.types import ActionEvent, Buttons, ConversationRef, UserRef
from bot.features.pulse import service
from bot.runtime import Runtime
from bot.settings import Settings
from tests.support.databases import TEST_SECRET_KEY
from tests.support.recording import RecordingAdapter
from tests.support.wiring import wired_runtime

START = datetime(2026, 6, 1, 9, tzinfo=UTC)  # a Monday
PEOPLE = [f"U{number}" for number in range(1, 9)]


def slack_user(
    user_id: str, *, is_bot: bool = False, is_guest: bool = False, is_deleted: bool = False
) -> UserRef:
    """A Slack person of the test workspace."""
    return UserRef(
        platform="slack",
        workspace="T1",
        user_id=user_id,
        is_bot=is_bot,
        is_guest=is_guest,
        is_deleted=is_deleted,
    )


@dataclass
class PulseWorld:
    """The runtime, its clock and Slack, and helpers to act as people."""

    runtime: Runtime
    clock: ManualClock
    slack: RecordingAdapter

    async def settle(self) -> None:
        """Run due jobs and send the outbox until nothing is left."""
        worker = self.runtime.worker(name="test")
        while await self.runtime.scheduler.run_due() or await worker.run_once():
            pass

    async def create(self, **options: object) -> int:
        """Create a pulse as the comms lead slack:ULEAD (defaults: eNPS to #C1, now)."""
        arguments: dict[str, object] = {
            "question": "enps",
            "kind": None,
            "audience": ["slack:C1"],
            "created_by": "slack:ULEAD",
        }
        arguments.update(options)
        spec = service.build_spec(**arguments)  # type: ignore[arg-type]
        return await service.create_pulse(self.runtime, spec)

    def tokens(self, user_id: str) -> list[str]:
        """Every answer token sent to a person, oldest first."""
        found = []
        for conversation, message in self.slack.sent:
            if conversation.channel != f"D-{user_id}":
                continue
            for block in message.blocks:
                if isinstance(block, Buttons):
                    found += [b.value for b in block.buttons if b.action_id.startswith("pulse.")]
        return list(dict.fromkeys(found))

    def dm_count(self, user_id: str) -> int:
        """How many messages a person got."""
        return sum(1 for conversation, _ in self.slack.sent if conversation.channel == f"D-{user_id}")

    async def tap(
        self, user_id: str, choice: str, token: str | None = None, action: str = "pulse.answer."
    ) -> None:
        """Press an answer button as a person (their newest token unless given)."""
        value = token if token is not None else self.tokens(user_id)[-1]
        await self.act(user_id, action + choice, value)

    async def act(self, user_id: str, action_id: str, value: str = "", **form: str) -> None:
        """Any action as a person in their DM."""
        event = ActionEvent(
            event_id=uuid.uuid4().hex,
            conversation=ConversationRef(
                platform="slack", workspace="T1", channel=f"D-{user_id}", is_direct=True
            ),
            user=slack_user(user_id),
            action_id=action_id,
            value=value,
            form_values=form,
            message_id=f"msg-{user_id}",
            source="form_submit" if form else "button",
        )
        await self.runtime.dispatcher.dispatch(event, self.slack)
        await self.settle()

    def replies_to(self, user_id: str) -> list[str]:
        """Texts sent to a person's DM."""
        return [m.text for c, m in self.slack.sent if c.channel == f"D-{user_id}"]


@pytest.fixture
async def world(database_url: str) -> AsyncIterator[PulseWorld]:
    """A runtime with every feature, a manual clock and a Slack whose #C1 has eight people and three others."""
    clock = ManualClock(START)
    runtime = wired_runtime(
        Settings(
            database_url=database_url,
            admins=frozenset({"slack:ULEAD", "console:lead"}),
            secret_key=TEST_SECRET_KEY,
        ),
        clock,
    )
    slack = RecordingAdapter("slack")
    slack.members["C1"] = [slack_user(person) for person in PEOPLE] + [
        slack_user("UBOT", is_bot=True),
        slack_user("UGUEST", is_guest=True),
        slack_user("UGONE", is_deleted=True),
    ]
    runtime.adapters["slack"] = slack
    yield PulseWorld(runtime, clock, slack)
    await runtime.database.dispose()
