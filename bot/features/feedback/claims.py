"""Follow-up claims: who may claim an item where, and the one conditional update that records a claim."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.core.types import ConversationRef, OutboundMessage, UserRef
from bot.db.models import OutboxMessage
from bot.features.feedback.tables import FeedbackRecord, HighlightPostRecord

if TYPE_CHECKING:
    from bot.core.services import CoreServices


@dataclass(frozen=True, slots=True)
class PostedHere:
    """The record of an item's post in the conversation of a press, and the message as it was posted."""

    post: HighlightPostRecord
    message: OutboundMessage | None


def may_claim(user: UserRef) -> bool:
    """Guests and bots never get a customer's contact, wherever they press."""
    return not (user.is_guest or user.is_bot or user.is_deleted)


def same_conversation(posted: ConversationRef, pressed: ConversationRef) -> bool:
    """Whether a press came from the conversation a post was sent to (threads of it included)."""
    if posted.platform != pressed.platform or posted.channel != pressed.channel:
        return False
    # A route named without its workspace (`slack:C1`) was posted without one; a channel id alone decides then.
    return not (posted.workspace and pressed.workspace) or posted.workspace == pressed.workspace


async def posted_here(
    session: AsyncSession, item_id: int, pressed: ConversationRef | None
) -> PostedHere | None:
    """The sent post of the item in the pressed conversation, or None when it was never posted there."""
    if pressed is None:
        return None
    rows = await session.execute(
        select(HighlightPostRecord, OutboxMessage)
        .outerjoin(OutboxMessage, col(OutboxMessage.id) == col(HighlightPostRecord.outbox_id))
        .where(
            col(HighlightPostRecord.item_id) == item_id,
            col(HighlightPostRecord.conversation).is_not(None),
        )
        .order_by(col(HighlightPostRecord.id))
    )
    for post, outbox in rows.all():
        posted = ConversationRef.model_validate_json(post.conversation or "")
        if same_conversation(posted, pressed):
            message = OutboundMessage.model_validate_json(outbox.message) if outbox is not None else None
            return PostedHere(post, message)
    return None


async def claim(session: AsyncSession, item_id: int, person: str, now: datetime) -> bool:
    """Record `person` as the item's follow-up owner unless someone is already; True when this call did."""
    # One conditional update: of two people pressing at once exactly one gets it.
    result = await session.execute(
        update(FeedbackRecord)
        .where(col(FeedbackRecord.id) == item_id, col(FeedbackRecord.claimed_by).is_(None))
        .values(claimed_by=person, claimed_at=now.astimezone(UTC))
    )
    return bool(getattr(result, "rowcount", 0))


async def release(session: AsyncSession, item_id: int, person: str) -> None:
    """Undo `person`'s claim of the item (their contact could not be sent)."""
    await session.execute(
        update(FeedbackRecord)
        .where(col(FeedbackRecord.id) == item_id, col(FeedbackRecord.claimed_by) == person)
        .values(claimed_by=None, claimed_at=None)
    )


async def claimer(runtime: CoreServices, person: str | None) -> str:
    """A claimer by display name when the bot has met them, else as `slack:U123`."""
    platform, _, user_id = (person or "").partition(":")
    known = await runtime.directory.person(platform, user_id) if user_id else None
    return (known.display_name if known and known.display_name else None) or person or "Someone"
