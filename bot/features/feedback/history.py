"""What other features may read of customer feedback: items of a span, filters as routes have them, themes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.features.feedback.digest import nps, top_themes
from bot.features.feedback.items import FeedbackItem
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


def themes(items: list[FeedbackItem], limit: int = 5) -> list[tuple[str, int]]:
    """The items' top themes (tags and words of the redacted text) with their counts."""
    return [(theme.term, theme.count) for theme in top_themes(items, limit)]


def text_themes(texts: list[str], limit: int = 5) -> list[tuple[str, int]]:
    """Top themes of plain texts (e.g. pulse answers), read the same way as feedback, redacted first."""
    items = [FeedbackItem(id=str(n), source="text", text=text) for n, text in enumerate(texts)]
    return themes(items, limit)
