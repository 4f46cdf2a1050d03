"""What other features may read of customer feedback: items of a span, the filters of routes to some places.

The composition root hands a `FeedbackHistory` to a feature that asks for it in its own terms (the link's
`CustomerVoice`); nothing here knows who reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlmodel import col

from bot.customer_voice.filters import ItemFilter, UsedLabels
from bot.customer_voice.items import FeedbackItem
from bot.features.feedback import manage
from bot.features.feedback.intake import FeedbackIntake
from bot.features.feedback.rows import record_item, record_route
from bot.features.feedback.tables import FeedbackRecord, RouteRecord

if TYPE_CHECKING:
    from bot.core.services import CoreServices


class FeedbackHistory:
    """Reads stored feedback and routes, and takes items in through the feature's intake."""

    def __init__(self, runtime: CoreServices, intake: FeedbackIntake) -> None:
        self._runtime = runtime
        self._intake = intake

    async def items_between(self, start: datetime, end: datetime) -> list[FeedbackItem]:
        """Items received in [start, end), oldest first."""
        async with self._runtime.database.session() as session:
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

    async def filters_to(self, targets: set[str]) -> list[ItemFilter]:
        """The filters of the routes that post to any of these TARGETs."""
        async with self._runtime.database.session() as session:
            rows = (
                await session.execute(select(RouteRecord).where(col(RouteRecord.target).in_(targets)))
            ).scalars()
            return [record_route(row).filter for row in rows]

    async def used_labels(self) -> UsedLabels | None:
        """The products and tags stored feedback carries; None before any feedback."""
        return await manage.used_labels(self._runtime)

    async def accept(self, items: Sequence[FeedbackItem]) -> object:
        """Store items as the intake stores any (redacted, scored, routed)."""
        return await self._intake.accept(items)
