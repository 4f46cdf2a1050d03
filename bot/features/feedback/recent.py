"""This process's index of recent original items, kept in step with the database."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel

from bot.customer_voice.similarity import (
    DUPLICATE_WINDOW_DAYS,
    Fingerprint,
    NearDuplicate,
    NearDuplicateIndex,
    fingerprints,
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
        # How many rows this process inserted or read, by created_at, since the last look's overlap began.
        self._created: Counter[datetime] = Counter()
        self._synced: datetime | None = None

    async def refresh(self, session: AsyncSession, now: datetime) -> None:
        """Add originals other processes committed since the last refresh; drop those older than the window."""
        since = now - WINDOW
        table = SQLModel.metadata.tables[FeedbackRecord.__tablename__]
        originals = (table.c.duplicate_of.is_(None), table.c.received_at >= since)
        wanted: list[int] | None = None
        if self._synced is not None:
            wanted = await self._unknown(session, originals, self._synced - _OVERLAP)
        if wanted is None or wanted:
            query = select(
                table.c.id,
                table.c.source,
                table.c.external_id,
                table.c.text,
                table.c.received_at,
                table.c.created_at,
            ).where(*originals)
            if wanted is not None:
                query = query.where(table.c.id.in_(wanted))
            rows = (await session.execute(query.order_by(table.c.received_at))).all()
            marks = fingerprints([text for _, _, _, text, _, _ in rows])
            for (row_id, source, external_id, _, received_at, created_at), mark in zip(
                rows, marks, strict=True
            ):
                self.add(item_key(source, external_id), mark, received_at)
                self.stored(item_key(source, external_id), row_id)
                self._created[created_at] += 1
        for key in [k for k, at in self.times.items() if at < since]:
            self.index.remove(key)
            self.times.pop(key, None)
            self._known.discard(self.row_ids.pop(key, 0))
        self._synced = now

    async def _unknown(self, session: AsyncSession, originals: tuple[Any, ...], floor: datetime) -> list[int]:
        """Ids of originals created since `floor` that this process has not indexed (other processes' rows).

        Rows are never deleted and never change these columns, so the rows this process inserted or read
        that were created since `floor` are all stored: when as many are stored (one process, the usual
        case), none is unknown, and a count on the created_at index saves reading every id.
        """
        table = SQLModel.metadata.tables[FeedbackRecord.__tablename__]
        self._created = Counter({at: n for at, n in self._created.items() if at >= floor})
        stored = await session.scalar(select(func.count()).where(table.c.created_at >= floor))
        if stored == self._created.total():
            return []
        ids = await session.execute(select(table.c.id).where(*originals, table.c.created_at >= floor))
        return [i for i in ids.scalars().all() if i not in self._known]

    def add(self, key: str, text: str | Fingerprint, at: datetime) -> None:
        """Index an original (its row id comes once inserted, with `stored`)."""
        self.index.add(key, text, at)
        self.times.setdefault(key, at)

    def stored(self, key: str, row_id: int) -> None:
        """Note the row id of an indexed original, once inserted."""
        self.row_ids[key] = row_id
        self._known.add(row_id)

    def inserted(self, created_at: Iterable[datetime]) -> None:
        """Note rows this process inserted (originals and repeats), so a later refresh need not read them."""
        self._created.update(created_at)

    def find(self, text: str | Fingerprint, at: datetime) -> NearDuplicate | None:
        """The original the text repeats, if it was received within a week of `at`."""
        found = self.index.find(text)
        if found is None:
            return None
        when = self.times.get(found.id)
        if when is None or abs(when - at) > WINDOW:
            return None
        return found
