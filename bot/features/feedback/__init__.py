"""Customer voice: feedback intake, highlights, routing, digests and adopt-a-customer."""

from __future__ import annotations

import argparse
import dataclasses
from datetime import timedelta
from functools import partial
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.types import SentMessage
from bot.customer_voice.items import FeedbackItem, InvalidFeedback
from bot.features.feedback import chat, cli, jobs, manage
from bot.features.feedback.batches import KIND, take_batch
from bot.features.feedback.delivery import HIGHLIGHT, highlight_sent
from bot.features.feedback.importing import Importing, import_verdicts
from bot.features.feedback.intake import FeedbackIntake
from bot.features.feedback.reading import FeedbackFileReader, verdicts
from bot.features.feedback.render import ACTION_PREFIX, BUTTON_LABELS
from bot.features.feedback.routing import parse_route
from bot.outbox.scheduler import DueJob
from bot.outbox.store import OutboxEntry
from bot.runtime import Runtime

DEMO_FILE = Path(__file__).resolve().parents[2] / "demo" / "company" / "feedback" / "northpine-feedback.csv"
DEMO_TARGET = "console:customer-voice"


class FeedbackFeature:
    """Registers the customer-voice commands, buttons, jobs and the intake service."""

    name = "feedback"

    def __init__(self) -> None:
        self._importing: Importing | None = None

    @property
    def importing(self) -> Importing:
        """The intake and the file reader, once set up."""
        assert self._importing is not None, "the feedback feature imports only once set up"
        return self._importing

    def setup(self, runtime: Runtime, intake: FeedbackIntake, reader: FeedbackFileReader) -> None:
        """Register handlers, jobs and the highlight on-sent hook; imports go through `intake` and `reader`."""
        self._importing = Importing(intake, reader)
        dispatcher = runtime.dispatcher
        dispatcher.batches(KIND, partial(take_batch, intake))
        dispatcher.command(
            "highlights",
            chat.highlights,
            usage="highlights",
            summary="recent customer feedback worth hearing",
        )
        dispatcher.command(
            "adopt", chat.adopt, usage="adopt ACCOUNT", summary="a DM for each new item from a customer"
        )
        dispatcher.command(
            "unadopt", chat.unadopt, usage="unadopt ACCOUNT", summary="stop adopting a customer"
        )
        dispatcher.command("adopted", chat.adopted, usage="adopted", summary="the customers you adopted")
        dispatcher.command(
            "feedback",
            chat.feedback,
            usage=(
                "feedback routes | feedback route add TARGET ... | feedback route remove ID"
                " | feedback digest-channel here"
            ),
            summary="where customer highlights and digests go",
            comms_leads_only=True,
        )
        dispatcher.action(ACTION_PREFIX, chat.post_action, labels=BUTTON_LABELS)
        dispatcher.home_section(chat.home_section)

        async def route_digest(session: AsyncSession, job: DueJob) -> None:
            await jobs.run_route_digest(runtime, session, job)

        async def company_digest(session: AsyncSession, job: DueJob) -> None:
            await jobs.run_company_digest(runtime, session, job)

        async def on_highlight_sent(session: AsyncSession, entry: OutboxEntry, sent: SentMessage) -> None:
            await highlight_sent(runtime, session, entry, sent)

        runtime.scheduler.handle(manage.ROUTE_DIGEST, route_digest)
        runtime.scheduler.handle(manage.COMPANY_DIGEST, company_digest)
        runtime.on_sent[HIGHLIGHT] = on_highlight_sent

    def add_commands(self, commands_: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
        """`clueline feedback import|route|highlights|digest-channel`."""
        cli.add_commands(commands_, lambda: self.importing)

    async def load_demo(self, runtime: Runtime) -> None:
        """Import Northpine's sample feedback (moved to end now) and route highlights to #customer-voice."""
        intake = self.importing.intake
        if not any(r.target == DEMO_TARGET for r in await manage.list_routes(runtime)):
            await manage.add_route(runtime, parse_route(DEMO_TARGET), "demo")
        raw = DEMO_FILE.read_bytes()
        read = list(verdicts(self.importing.reader.read(raw, DEMO_FILE.name), runtime.clock.now()))
        items = [v for _, v in read if not isinstance(v, InvalidFeedback)]
        if not items:
            return
        # The sample reads as if it came in over the last days, whenever the demo runs.
        shift = runtime.clock.now() - max(i.received_at for i in items)
        await import_verdicts(intake, read, transform=partial(_moved, shift=shift))


def _moved(item: FeedbackItem, shift: timedelta) -> FeedbackItem:
    return dataclasses.replace(item, received_at=item.received_at + shift)
