"""This process's index of recent original items, kept in step with the database."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel

from bot.features.feedback.similarity import (
    DUPLICATE_WINDOW_DAYS,
    Fingerprint,
    NearDuplicate,
    NearDuplicateIndex,
)
from bot.features.feedback.tables import FeedbackRecord

WINDOW = timedelta(days=DUPLICATE_WINDOW_DAYS)
# Rows another process committed a little before our last look may carry an earlier created_at.
_OVERLAP = timedelta(minutes=5)


def item_key(source: str, external_id: str) -> str:
    """How an item is named in the index: its (source, id), unique like the table's constraint."""
    return f"{source}\x1f{external_id}"


class RecentOriginals:
    """Originals of the last week by (source, id), with their row ids and times, for near-duplicate checks.

    Refreshed from the database inside each intake's transaction, so processes sharing one database
    agree on what is recent. Call `reset` after a failed transaction: the index may hold rolled-back items.
    """

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Forget everything; the next refresh reloads the window from the database."""
        self.index = NearDuplicateIndex()
        self.row_ids: dict[str, int] = {}
        self.times: dict[str, datetime] = {}
        self._known: set[int] = set()
        self._synced: datetime | None = None

    async def refresh(self, session: AsyncSession, now: datetime) -> None:
        """Add originals other processes committed since the last refresh; drop those older than the window."""
        since = now - WINDOW
        table = SQLModel.metadata.tables[FeedbackRecord.__tablename__]
        originals = (table.c.duplicate_of.is_(None), table.c.received_at >= since)
        wanted: list[int] | None = None
        if self._synced is not None:
            # Ids first (cheap); texts only of rows this process has not indexed yet.
            ids = await session.execute(
                select(table.c.id).where(*originals, table.c.created_at >= self._synced - _OVERLAP)
            )
            wanted = [i for i in ids.scalars().all() if i not in self._known]
        if wanted is None or wanted:
            query = select(
                table.c.id, table.c.source, table.c.external_id, table.c.text, table.c.received_at
            ).where(*originals)
            if wanted is not None:
                query = query.where(table.c.id.in_(wanted))
            rows = (await session.execute(query.order_by(table.c.received_at))).all()
            for row_id, source, external_id, text, received_at in rows:
                self.add(item_key(source, external_id), text, received_at, row_id)
        for key in [k for k, at in self.times.items() if at < since]:
            self.index.remove(key)
            self.times.pop(key, None)
            self._known.discard(self.row_ids.pop(key, 0))
        self._synced = now

    def add(self, key: str, text: str | Fingerprint, at: datetime, row_id: int | None = None) -> None:
        """Index an original (its row id may come later, once inserted)."""
        self.index.add(key, text, at)
        self.times.setdefault(key, at)
        if row_id is not None:
            self.stored(key, row_id)

    def stored(self, key: str, row_id: int) -> None:
        """Note the row id of an indexed original, once inserted."""
        self.row_ids[key] = row_id
        self._known.add(row_id)

    def find(self, text: str | Fingerprint, at: datetime) -> NearDuplicate | None:
        """The original the text repeats, if it was received within a week of `at`."""
        found = self.index.find(text)
        if found is None:
            return None
        when = self.times.get(found.id)
        if when is None or abs(when - at) > WINDOW:
            return None
        return found
