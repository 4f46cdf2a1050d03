"""A conversation test bot in the style of errbot's: push a message as someone, pop the bot's replies and posts.

One person talks on the console (`push`, `pop`), as in the demo. People on a platform (`say`, `press`, `submit`)
talk through a recording adapter of that platform, in their DM or in a channel; what the bot sends there is
read back with `replies_to` (a person's DM) and `pop_posts` (a channel), including what it posts on its own
initiative from the outbox. `settle` runs due jobs and sends the outbox; `advance` moves a manual clock first.
This bot calls the product through the core's dispatcher only, never through an adapter's HTTP door.
"""

from __future__ import annotations

import itertools
from datetime import timedelta

from adapters.console import ConsoleAdapter
from bot.clock import ManualClock
from bot.core.adapter import InboundEventT
from bot.core.types import ActionEvent, Buttons, ConversationRef, InboundMessage, OutboundMessage, UserRef
from bot.runtime import Runtime
from tests.support import runtime as services
from tests.support.recording import RecordingAdapter

WORKSPACE = "T1"


def dm_of(user_id: str, platform: str = "slack") -> ConversationRef:
    """A person's direct conversation with the bot, as the recording adapter opens it."""
    return ConversationRef(platform=platform, workspace=WORKSPACE, channel=f"D-{user_id}", is_direct=True)


def person(
    user_id: str,
    platform: str = "slack",
    *,
    is_bot: bool = False,
    is_guest: bool = False,
    is_deleted: bool = False,
) -> UserRef:
    """Someone of the test workspace on a platform."""
    return UserRef(
        platform=platform,
        workspace=WORKSPACE,
        user_id=user_id,
        is_bot=is_bot,
        is_guest=is_guest,
        is_deleted=is_deleted,
    )


class TestBot:
    """Talks to the dispatcher as people: one on the console, any number on recording platforms."""

    __test__ = False  # not a test class, despite its name

    def __init__(self, runtime: Runtime, user_id: str = "you", clock: ManualClock | None = None) -> None:
        self.runtime = runtime
        self.clock = clock
        self.outbox: list[str] = []
        self.console = ConsoleAdapter(write=self.outbox.append, user_id=user_id)
        services.plug(runtime, self.console)
        self._events = itertools.count(1)
        self._popped: set[tuple[str, int]] = set()

    # The platforms and their people.

    def platform(self, name: str = "slack") -> RecordingAdapter:
        """The recording adapter of a platform, plugged in on first use."""
        adapter = self.runtime.adapters.get(name)
        if not isinstance(adapter, RecordingAdapter):
            adapter = RecordingAdapter(name)
            services.plug(self.runtime, adapter)
        return adapter

    def add_members(self, channel: str, people: list[UserRef], on: str = "slack") -> None:
        """Put people in a channel, as the platform's member list will show them."""
        self.platform(on).members.setdefault(channel, []).extend(people)

    # Talking to the bot.

    async def push(self, text: str) -> None:
        """Say something on the console (typing a button's label presses it), then let queued sends go out."""
        event = self.console.parse_line(text)
        if event is not None:
            await services.dispatch(self.runtime, event, self.console)
        await self.settle()

    async def say(
        self,
        text: str,
        *,
        by: str,
        on: str = "slack",
        channel: str | None = None,
        mention: bool = False,
        thread: str | None = None,
        command: bool = False,
    ) -> None:
        """`by` writes `text` on a platform: in their DM, or in `channel` (mentioning the bot or not)."""
        conversation = self._conversation(by, on, channel, thread)
        await self.deliver(
            InboundMessage(
                event_id=self._event_id(),
                conversation=conversation,
                user=person(by, on),
                text=text,
                message_id=f"m{next(self._events)}",
                is_direct=conversation.is_direct,
                mentions_bot=mention,
                in_bot_thread=thread is not None,
                is_command=command,
            ),
            on,
        )
        await self.settle()

    async def press(
        self,
        action_id: str,
        value: str = "",
        *,
        by: str,
        on: str = "slack",
        channel: str | None = None,
        message_id: str | None = None,
    ) -> None:
        """`by` presses a button of a message in their DM or in `channel`."""
        await self._act(by, on, channel, action_id, value, message_id, {})

    async def submit(
        self,
        action_id: str,
        value: str = "",
        *,
        by: str,
        on: str = "slack",
        channel: str | None = None,
        message_id: str | None = None,
        **form: str,
    ) -> None:
        """`by` submits a form with these field values."""
        await self._act(by, on, channel, action_id, value, message_id, form)

    async def deliver(self, event: InboundEventT, on: str = "console") -> None:
        """Deliver an exact event as a platform's adapter received it (redeliveries, odd shapes); no settling."""
        adapter = self.console if on == "console" else self.platform(on)
        await services.dispatch(self.runtime, event, adapter)

    # What the bot did.

    def pop(self) -> str:
        """The oldest console reply not yet popped; fails when the bot said nothing."""
        assert self.outbox, "the bot did not reply"
        return self.outbox.pop(0)

    def pop_all(self) -> list[str]:
        """Every console reply not yet popped."""
        replies, self.outbox[:] = list(self.outbox), []
        return replies

    def sent_to(self, channel: str, on: str = "slack") -> list[OutboundMessage]:
        """Every message the bot sent to a channel or DM, popped or not, oldest first."""
        return [
            message for conversation, message in self.platform(on).sent if conversation.channel == channel
        ]

    def pop_posts(self, channel: str, on: str = "slack") -> list[OutboundMessage]:
        """The messages sent to a channel or DM since the last pop there, oldest first."""
        fresh = []
        for index, (conversation, message) in enumerate(self.platform(on).sent):
            if conversation.channel == channel and (on, index) not in self._popped:
                self._popped.add((on, index))
                fresh.append(message)
        return fresh

    def replies_to(self, user_id: str, on: str = "slack") -> list[str]:
        """The texts of every message sent to a person's DM."""
        return [message.text for message in self.sent_to(f"D-{user_id}", on)]

    def button_values(self, user_id: str, prefix: str, on: str = "slack") -> list[str]:
        """The values of buttons whose action starts with `prefix` sent to a person's DM, oldest first."""
        found = [
            button.value
            for message in self.sent_to(f"D-{user_id}", on)
            for block in message.blocks
            if isinstance(block, Buttons)
            for button in block.buttons
            if button.action_id.startswith(prefix)
        ]
        return list(dict.fromkeys(found))

    # Time.

    async def settle(self) -> None:
        """Run due jobs and send the outbox until nothing is left."""
        await services.settle(self.runtime, name="testbot")

    async def advance(self, delta: timedelta) -> None:
        """Move the manual clock on, then run what fell due."""
        assert self.clock is not None, "this test bot runs on the system clock"
        self.clock.advance(delta)
        await self.settle()

    # Internals.

    def _event_id(self) -> str:
        return f"testbot-{id(self)}-{next(self._events)}"

    def _conversation(
        self, user_id: str, on: str, channel: str | None, thread: str | None
    ) -> ConversationRef:
        if channel is None:
            return dm_of(user_id, on).in_thread(thread)
        return ConversationRef(platform=on, workspace=WORKSPACE, channel=channel, thread=thread)

    async def _act(
        self,
        user_id: str,
        on: str,
        channel: str | None,
        action_id: str,
        value: str,
        message_id: str | None,
        form: dict[str, str],
    ) -> None:
        await self.deliver(
            ActionEvent(
                event_id=self._event_id(),
                conversation=self._conversation(user_id, on, channel, None),
                user=person(user_id, on),
                action_id=action_id,
                value=value,
                form_values=form,
                message_id=message_id or f"msg-{user_id}",
                source="form_submit" if form else "button",
            ),
            on,
        )
        await self.settle()
