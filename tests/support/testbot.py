"""A test bot in the style of errbot's: push a message as someone, pop the bot's replies."""

from __future__ import annotations

from adapters.console import ConsoleAdapter
from bot.core.types import InboundMessage
from bot.runtime import Runtime


class TestBot:
    """Talks to the dispatcher through the console adapter, as one person in a DM."""

    __test__ = False  # not a test class, despite its name

    def __init__(self, runtime: Runtime, user_id: str = "you") -> None:
        self.runtime = runtime
        self.outbox: list[str] = []
        self.console = ConsoleAdapter(write=self.outbox.append, user_id=user_id)
        runtime.adapters[self.console.platform] = self.console

    async def push(self, text: str) -> None:
        """Say something to the bot (typing a button's label presses it), then let queued sends go out."""
        event = self.console.parse_line(text)
        if event is not None:
            await self.runtime.dispatcher.dispatch(event, self.console)
        worker = self.runtime.worker(name="testbot")
        while await self.runtime.scheduler.run_due() or await worker.run_once():
            pass

    async def push_message(self, message: InboundMessage) -> None:
        """Deliver an exact inbound message (to test redelivery, channels, mentions)."""
        await self.runtime.dispatcher.dispatch(message, self.console)

    def pop(self) -> str:
        """The oldest reply not yet popped; fails when the bot said nothing."""
        assert self.outbox, "the bot did not reply"
        return self.outbox.pop(0)

    def pop_all(self) -> list[str]:
        """Every reply not yet popped."""
        replies, self.outbox[:] = list(self.outbox), []
        return replies
