"""What other features may read of customer feedback: items of a span, filters as routes have them, themes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.customer_voice.figures import nps, text_themes, themes
from bot.customer_voice.items import FeedbackItem
from bot.features.feedback.routing import InvalidRoute, Route, parse_route, route_accepts
from bot.features.feedback.rows import record_item, record_route
from bot.features.feedback.tables import FeedbackRecord, RouteRecord

__all__ = [
    "FeedbackItem",
    "InvalidRoute",
    "Route",
    "items_between",
    "nps",
    "parse_route",
    "route_accepts",
    "routes_to",
    "text_themes",
    "themes",
]


async def items_between(session: AsyncSession, start: datetime, end: datetime) -> list[FeedbackItem]:
    """Items received in [start, end), oldest first."""
    rows = (
        await session.execute(
            select(FeedbackRecord)
            .where(
                col(FeedbackRecord.received_at) >= start,
                col(FeedbackRecord.received_at) < end,
            )
            .order_by(col(FeedbackRecord.received_at), col(FeedbackRecord.id))
        )
    ).scalars()
    return [record_item(row) for row in rows]


async def routes_to(session: AsyncSession, targets: set[str]) -> list[Route]:
    """The routes that post to any of these TARGETs."""
    rows = (await session.execute(select(RouteRecord).where(col(RouteRecord.target).in_(targets)))).scalars()
    return [record_route(row) for row in rows]
