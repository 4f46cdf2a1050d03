"""Intake: a batch of feedback items stored in one transaction, scored, de-duplicated, routed and queued."""

from __future__ import annotations

import asyncio
import json
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Select, String, Table, bindparam, func, insert, select, true, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col

from bot.customer_voice.items import FeedbackItem
from bot.customer_voice.risk import NegativeSignal, RiskPolicy, becomes_at_risk, negative_signal
from bot.customer_voice.scoring import HighlightScore, HighlightScorer
from bot.customer_voice.similarity import Fingerprint
from bot.features.feedback.delivery import Deliveries
from bot.features.feedback.prepare import Prepared, prepare
from bot.features.feedback.recent import RecentOriginals, item_key
from bot.features.feedback.render import adopted_message, highlight_post, post_message
from bot.features.feedback.routing import Route, matching_routes
from bot.features.feedback.rows import record_route
from bot.features.feedback.tables import Adoption, FeedbackRecord, RouteRecord

if TYPE_CHECKING:
    from bot.core.services import CoreServices

_KEY_CHUNK = 400  # (source, id) pairs per lookup: well under every driver's parameter limit
# Items of a batch handled between two chances for the loop to answer other requests (tens of microseconds
# an item: a survey tool's whole export would otherwise hold up Slack's acks for seconds).
ITEMS_BETWEEN_YIELDS = 500
# Rows of one INSERT statement when a batch is stored.
INSERT_ROWS = 1000
_ATTEMPTS = 3
T = TypeVar("T")


@dataclass(frozen=True)
class IntakeResult:
    """What became of a batch: new items stored, repeats of (source, id) ignored, highlights among the new."""

    accepted: int
    duplicates: int
    highlights: int = 0
    item_ids: list[int] = field(default_factory=list)


@dataclass
class _New:
    item: FeedbackItem
    score: HighlightScore
    values: dict[str, Any]  # the row's column values
    mark: Fingerprint
    original_key: str | None = None  # the near-duplicate it repeats, by (source, id)
    realtime: list[Route] = field(default_factory=list)
    row_id: int = 0


class FeedbackIntake:
    """Takes in feedback; one per process (it holds the sentiment model and the recent-items index)."""

    def __init__(self, runtime: CoreServices, risk_policy: RiskPolicy | None = None) -> None:
        self._runtime = runtime
        self._scorer: HighlightScorer | None = None
        self._recent = RecentOriginals()
        self._risk = risk_policy or RiskPolicy()
        # One intake at a time per process keeps the in-memory index in step with committed rows.
        self._lock = asyncio.Lock()

    @property
    def scorer(self) -> HighlightScorer:
        """The process's scorer, loaded on first use."""
        if self._scorer is None:
            self._scorer = HighlightScorer()
        return self._scorer

    def now(self) -> datetime:
        """The runtime clock's time (stamped on items that come without received_at)."""
        return self._runtime.clock.now()

    async def accept(self, items: Sequence[FeedbackItem]) -> IntakeResult:
        """Store a batch all or nothing; (source, id) pairs seen before are counted, not stored again."""
        if not items:
            return IntakeResult(0, 0)
        # The CPU-bound part (a fifth of a millisecond an item) runs before the lock, so it overlaps another
        # request's database work, and in a thread, so a large batch does not hold up the loop's other requests
        # (Slack's acks among them). The scorer and redaction only read their state.
        prepared = await asyncio.to_thread(prepare, items, self.now(), self.scorer)
        async with self._lock:
            for attempt in range(_ATTEMPTS):
                try:
                    async with self._runtime.database.session() as session:
                        return await self._accept(session, prepared)
                except IntegrityError:
                    # Another process stored one of these pairs meanwhile: run again; they count as duplicates.
                    self._recent.reset()
                    if attempt == _ATTEMPTS - 1:
                        raise
                except BaseException:
                    self._recent.reset()
                    raise
        raise AssertionError("unreachable")

    async def _accept(self, session: AsyncSession, prepared: list[Prepared]) -> IntakeResult:
        now = self.now()
        fresh, duplicates = await self._fresh(session, prepared)
        if not fresh:
            return IntakeResult(0, duplicates)
        await self._recent.refresh(session, now)
        fresh.sort(key=lambda p: p.item.received_at)
        batch = [_New(p.item, p.score, dict(p.values), p.mark) for p in fresh]
        repeats = await self._count_repeats(batch)
        await self._flag_risks(session, batch)
        originals = [n for n in batch if n.original_key is None]
        highlights = await self._choose_routes(session, originals)
        await self._insert(session, originals)
        for new in originals:
            self._recent.stored(item_key(new.item.source, new.item.id), new.row_id)
        copies = [n for n in batch if n.original_key is not None]
        for new in copies:
            new.values["duplicate_of"] = self._recent.row_ids[new.original_key or ""]
        await self._insert(session, copies)
        self._recent.inserted(n.values["created_at"] for n in batch)
        if repeats:
            table = _items()
            await session.execute(
                update(table)
                .where(table.c.id == bindparam("row_id"))
                .values(similar_count=table.c.similar_count + bindparam("repeats")),
                [{"row_id": row_id, "repeats": n} for row_id, n in repeats.items()],
            )
        deliveries = Deliveries(self._runtime, session, now)
        await deliveries.prepare(
            {r.target for n in originals for r in n.realtime},
            {
                (r.target, n.values["account_key"])
                for n in originals
                for r in n.realtime
                if n.values["account_key"]
            },
        )
        await self._post(deliveries, originals)
        await self._tell_adopters(session, deliveries, batch)
        await deliveries.finish()
        return IntakeResult(len(batch), duplicates, highlights, [n.row_id for n in batch])

    async def _count_repeats(self, batch: list[_New]) -> Counter[int]:
        """Link near-duplicates to their original; returns repeats per stored original's row id."""
        repeats: Counter[int] = Counter()
        in_batch: dict[str, _New] = {}
        # Not in a thread: the recent originals are this accept's, under its lock, until it ends.
        async for new in _in_turns(batch):
            key = item_key(new.item.source, new.item.id)
            found = self._recent.find(new.mark, new.item.received_at)
            if found is None:
                self._recent.add(key, new.mark, new.item.received_at)
                in_batch[key] = new
                continue
            new.original_key = found.id
            if found.id in in_batch:
                in_batch[found.id].values["similar_count"] += 1
            else:
                repeats[self._recent.row_ids[found.id]] += 1
        return repeats

    @staticmethod
    async def _insert(session: AsyncSession, batch: list[_New]) -> None:
        """Insert the rows, INSERT_ROWS a statement, reading their ids back as they are written."""
        table = _items()
        by_key = {n.item.key: n for n in batch}
        # Binding a statement's rows runs on the loop (a second for 30,000): in slices, other requests are answered
        # between them. Drivers send an executemany with RETURNING as a few multi-row INSERTs; rows come back in
        # any order.
        for start in range(0, len(batch), INSERT_ROWS):
            rows = await session.execute(
                insert(table).returning(table.c.id, table.c.source, table.c.external_id),
                [n.values for n in batch[start : start + INSERT_ROWS]],
            )
            for row_id, source, external_id in rows.all():
                by_key[(source, external_id)].row_id = int(row_id)

    async def _fresh(self, session: AsyncSession, prepared: list[Prepared]) -> tuple[list[Prepared], int]:
        """The items not stored before (first of each pair in the batch) and how many repeat a pair."""
        unique: dict[tuple[str, str], Prepared] = {}
        for entry in prepared:
            unique.setdefault(entry.item.key, entry)
        ids_by_source: dict[str, list[str]] = defaultdict(list)
        for source, external_id in unique:
            ids_by_source[source].append(external_id)
        stored: set[tuple[str, str]] = set()
        for source, ids in ids_by_source.items():
            stored.update((source, external_id) for external_id in await self._stored(session, source, ids))
        fresh = [entry for key, entry in unique.items() if key not in stored]
        return fresh, len(prepared) - len(fresh)

    async def _stored(self, session: AsyncSession, source: str, ids: list[str]) -> list[str]:
        """Which of the ids are stored for the source: one index lookup each, whatever the table's statistics.

        A list of (source, id) pairs is planned by PostgreSQL as an OR of each pair (tens of milliseconds a
        batch), and `source = ... AND id IN (...)` as a scan of the source's rows while the table's statistics
        still say it is small (the first minute of a big import). A lateral join looks up each id by itself.
        """
        table = _items()
        if not self._runtime.database.is_sqlite:
            return list((await session.execute(_stored_ids(), {"source": source, "ids": ids})).scalars())
        found: list[str] = []
        for start in range(0, len(ids), _KEY_CHUNK):
            rows = await session.execute(
                select(table.c.external_id).where(
                    table.c.source == source, table.c.external_id.in_(ids[start : start + _KEY_CHUNK])
                )
            )
            found.extend(rows.scalars())
        return found

    async def _flag_risks(self, session: AsyncSession, batch: list[_New]) -> None:
        """Flag the item that puts its account at risk (several negative items in a short time)."""
        negatives = [(n, s) for n in batch if (s := negative_signal(n.item, n.score)) is not None]
        if not negatives:
            return
        keys = {n.values["account_key"] for n, _ in negatives if n.values["account_key"]}
        since = min(n.item.received_at for n, _ in negatives) - self._risk.window
        rows = await session.execute(
            select(
                col(FeedbackRecord.account),
                col(FeedbackRecord.external_id),
                col(FeedbackRecord.received_at),
            ).where(
                col(FeedbackRecord.account_key).in_(keys),
                col(FeedbackRecord.polarity) == "pain",
                col(FeedbackRecord.received_at) >= since,
            )
        )
        earlier: dict[str, list[NegativeSignal]] = defaultdict(list)
        for account, external_id, received_at in rows.all():
            earlier[_key(account or "")].append(NegativeSignal(account or "", external_id, received_at))
        async for new, signal in _in_turns(negatives):
            mine = earlier[_key(signal.account)]
            risk = becomes_at_risk(mine, signal, self._risk)
            if risk is not None:
                new.values["at_risk"] = True
                new.values["metadata"] = _with(new.values["metadata"], "at_risk_reason", risk.reason)
            mine.append(signal)

    async def _choose_routes(self, session: AsyncSession, originals: list[_New]) -> int:
        """Pick each new highlight's routes (noted on the row); returns how many highlights there were."""
        highlights = [n for n in originals if n.score.is_highlight]
        if not highlights:
            return 0
        routes = [record_route(r) for r in (await session.execute(select(RouteRecord))).scalars().all()]
        async for new in _in_turns(highlights):
            chosen = matching_routes(new.item, new.score, routes)
            new.values["routed_to"] = json.dumps(
                [
                    {
                        "route": r.id,
                        "target": r.target,
                        "delivery": "real time" if r.realtime else f"{r.digest} digest",
                    }
                    for r in chosen
                ]
            )
            new.realtime = [r for r in chosen if r.realtime]
        return len(highlights)

    @staticmethod
    async def _post(deliveries: Deliveries, originals: list[_New]) -> None:
        """Queue the real-time posts of the new highlights."""
        async for new in _in_turns(originals):
            if not new.realtime:
                continue
            post = highlight_post(
                new.item,
                new.score,
                show_account=_shows_account(new.item),
                redacted_text=new.values["redacted_text"],
            )
            message = post_message(post, new.row_id, _risk_reason(new.values))
            for route in new.realtime:
                deliveries.post(new.row_id, new.values["account_key"], route, message)

    @staticmethod
    async def _tell_adopters(session: AsyncSession, deliveries: Deliveries, batch: list[_New]) -> None:
        keys = {n.values["account_key"] for n in batch if n.values["account_key"]}
        if not keys:
            return
        adoptions = (
            (await session.execute(select(Adoption).where(col(Adoption.account_key).in_(keys))))
            .scalars()
            .all()
        )
        if not adoptions:
            return
        by_account: dict[str, list[Adoption]] = defaultdict(list)
        for adoption in adoptions:
            by_account[adoption.account_key].append(adoption)
        for new in batch:
            mine = by_account.get(new.values["account_key"] or "")
            if mine:
                message = adopted_message(new.item, new.values["redacted_text"])
                deliveries.adopters(new.row_id, mine, message)


def _items() -> Table:
    return SQLModel.metadata.tables[FeedbackRecord.__tablename__]


@lru_cache(maxsize=1)
def _stored_ids() -> Select[str]:
    """PostgreSQL: the external ids among `ids` stored for `source`, each looked up in the unique index."""
    table = _items()
    wanted = (
        func.unnest(bindparam("ids", type_=ARRAY(String)))
        .table_valued("external_id")
        .render_derived("wanted")
    )
    found = (
        select(table.c.external_id)
        .where(table.c.source == bindparam("source"), table.c.external_id == wanted.c.external_id)
        .lateral("found")
    )
    return select(found.c.external_id).select_from(wanted).join(found, true())


def _key(account: str) -> str:
    return " ".join(account.split()).casefold()


def _with(raw: str, name: str, value: str) -> str:
    data = json.loads(raw or "{}")
    data[name] = value
    return json.dumps(data, default=str)


def _risk_reason(values: dict[str, Any]) -> str | None:
    if not values["at_risk"]:
        return None
    reason = json.loads(values["metadata"] or "{}").get("at_risk_reason")
    return str(reason) if reason else "several negative items lately"


def _shows_account(item: FeedbackItem) -> bool:
    """Senders may mark an item's account as not to be shown (`"share_account": false`)."""
    return item.metadata.get("share_account") is not False


async def _in_turns(items: Sequence[T]) -> AsyncIterator[T]:
    """The items in order, giving the loop to other requests after every ITEMS_BETWEEN_YIELDS of them."""
    for position, item in enumerate(items, start=1):
        yield item
        if position % ITEMS_BETWEEN_YIELDS == 0:
            await asyncio.sleep(0)
