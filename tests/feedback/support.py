"""Helpers of the feedback tests that need a database."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from bot.core.types import ActionEvent, ConversationRef, UserRef
from bot.customer_voice.items import FeedbackItem, parse_item
from bot.db.models import OutboxMessage
from bot.features.feedback import manage
from bot.features.feedback.intake import FeedbackIntake
from bot.features.feedback.render import FOLLOW_UP
from bot.features.feedback.routing import Route, parse_route_args
from bot.features.feedback.tables import FeedbackRecord, HighlightPostRecord
from bot.runtime import Runtime
from tests.feedback.conftest import NOW
from tests.support import runtime as services
from tests.support.recording import RecordingAdapter
from tests.support.wiring import features_of

_presses = itertools.count(1)


def intake_of(runtime: Runtime) -> FeedbackIntake:
    """The runtime's intake service."""
    return features_of(runtime).feedback.importing.intake


def slack(runtime: Runtime) -> RecordingAdapter:
    """The runtime's recording Slack adapter."""
    adapter = services.adapter_of(runtime, "slack")
    assert isinstance(adapter, RecordingAdapter)
    return adapter


async def send_all(runtime: Runtime) -> None:
    """Run due jobs and send the outbox until nothing is left."""
    await services.settle(runtime)


async def add_route(runtime: Runtime, *args: str) -> Route:
    """Add a route as `feedback route add` would."""
    return await manage.add_route(runtime, parse_route_args(list(args)), "test")


def item(**fields: Any) -> FeedbackItem:
    """A valid item: the contract's example with fields overridden (None removes one)."""
    obj: dict[str, Any] = {
        "id": "resp-1041",
        "source": "nps-survey",
        "received_at": NOW.isoformat(),
        "scale": "nps",
        "score": 3,
        "text": "Export to Excel breaks on big reports with more than 5,000 rows.",
        "customer": {"name": "Dana Reyes", "email": "dana@example.com", "account": "Northwind"},
        "product": "reports",
    }
    obj.update(fields)
    return parse_item({k: v for k, v in obj.items() if v is not None})


async def rows(runtime: Runtime) -> list[FeedbackRecord]:
    """Every stored feedback item, oldest first."""
    async with runtime.database.session() as session:
        result = await session.execute(select(FeedbackRecord).order_by(col(FeedbackRecord.id)))
        return list(result.scalars().all())


async def outbox_rows(runtime: Runtime, purpose: str | None = None) -> list[OutboxMessage]:
    """Every outbox row (of one purpose)."""
    query = select(OutboxMessage).order_by(col(OutboxMessage.id))
    if purpose is not None:
        query = query.where(col(OutboxMessage.purpose) == purpose)
    async with runtime.database.session() as session:
        return list((await session.execute(query)).scalars().all())


async def posts(runtime: Runtime) -> list[HighlightPostRecord]:
    """Every highlight post, oldest first."""
    async with runtime.database.session() as session:
        result = await session.execute(select(HighlightPostRecord).order_by(col(HighlightPostRecord.id)))
        return list(result.scalars().all())


async def posted(runtime: Runtime, channel: str = "CVOICE", **fields: object) -> ActionEvent:
    """Post one highlight to slack:CHANNEL; a press of its follow-up button there, as a template."""
    await add_route(runtime, f"slack:{channel}")
    await intake_of(runtime).accept([item(**fields)])
    await send_all(runtime)
    [post] = [p for p in await posts(runtime) if p.target == f"slack:{channel}"]
    assert post.message_id is not None
    return ActionEvent(
        event_id="template",
        conversation=ConversationRef(platform="slack", workspace="T1", channel=channel),
        user=UserRef(platform="slack", user_id="UNONE"),
        action_id=FOLLOW_UP,
        value=str(post.item_id),
        message_id=post.message_id,
    )


async def press(runtime: Runtime, template: ActionEvent, action_id: str, user: UserRef) -> None:
    """`user` presses a button of the template's message."""
    event = template.model_copy(
        update={"event_id": f"press-{next(_presses)}", "action_id": action_id, "user": user}
    )
    await services.dispatch(runtime, event, slack(runtime))
