"""Scheduled digests: per route (daily or weekly) and the weekly company-wide "hear the customer"."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.customer_voice.items import FeedbackItem
from bot.db.models import PlaceSetting
from bot.features.feedback.digest import (
    Cadence,
    Digest,
    Period,
    ScoredItem,
    company_digest,
    digest_periods,
    month_nps_line,
    route_digest,
)
from bot.features.feedback.manage import COMPANY_PLACE, CRONS, stored_route
from bot.features.feedback.render import digest_message
from bot.features.feedback.routing import Route, route_accepts
from bot.features.feedback.rows import record_item, record_route, record_score, target_conversation
from bot.features.feedback.tables import DigestRecord, FeedbackRecord, RouteRecord
from bot.outbox.recurrence import next_fire_time
from bot.outbox.scheduler import DueJob

if TYPE_CHECKING:
    from bot.core.services import CoreServices

DIGEST = "feedback_digest"
_CATCH_UP = 400


async def period_items(
    session: AsyncSession, current: Period, previous: Period, accepts: Callable[[FeedbackItem], bool]
) -> tuple[list[ScoredItem], list[ScoredItem]]:
    """The scored items of the current and previous periods that `accepts` takes."""
    rows = (
        await session.execute(
            select(FeedbackRecord).where(
                col(FeedbackRecord.received_at) >= previous.start,
                col(FeedbackRecord.received_at) < current.end,
            )
        )
    ).scalars()
    now: list[ScoredItem] = []
    before: list[ScoredItem] = []
    for row in rows:
        item = record_item(row)
        if not accepts(item):
            continue
        scored = ScoredItem(item, record_score(row))
        (now if item.received_at in current else before).append(scored)
    return now, before


async def run_route_digest(runtime: CoreServices, session: AsyncSession, job: DueJob) -> None:
    """Send one route's digest of the period that ends at the job's time (nothing when it was quiet)."""
    record = await session.get(RouteRecord, int(job.payload.get("route", 0)))
    if record is None or record.digest not in ("daily", "weekly"):
        return
    end = _latest_firing(runtime, job, _cadence(record))
    route, digest, current = await _route_digest_until(session, record, end)
    await _send(runtime, session, f"route:{route.id}", route.target, current, digest)


async def preview_route_digest(runtime: CoreServices, route_id: str) -> Digest | None:
    """The digest a route would post if its period ended now (a real-time route's as a weekly one); None
    when there is no such route. Nothing is sent or recorded."""
    async with runtime.database.session() as session:
        found = await _digest_now(runtime, session, route_id)
    return None if found is None else found[1]


async def send_route_digest_now(runtime: CoreServices, route_id: str) -> tuple[Route, Digest] | None:
    """Queue the digest `preview_route_digest` shows, to the route's target, now (besides its scheduled ones);
    the route and its digest, or None when there is no such route. An empty digest is not queued."""
    async with runtime.database.session() as session:
        found = await _digest_now(runtime, session, route_id)
        if found is None:
            return None
        route, digest, current = found
        await _send(runtime, session, f"route:{route.id}:now", route.target, current, digest)
    return route, digest


async def _digest_now(
    runtime: CoreServices, session: AsyncSession, route_id: str
) -> tuple[Route, Digest, Period] | None:
    record = await stored_route(session, route_id)
    if record is None:
        return None
    return await _route_digest_until(session, record, runtime.clock.now())


def _cadence(record: RouteRecord) -> Cadence:
    """A route's digest period (a real-time route's, previewed, as a weekly one)."""
    return "daily" if record.digest == "daily" else "weekly"


async def _route_digest_until(
    session: AsyncSession, record: RouteRecord, end: datetime
) -> tuple[Route, Digest, Period]:
    """A route's digest of the period ending at `end`, compared with the period before; and that period."""
    route = record_route(record)
    cadence = _cadence(record)
    current, previous = digest_periods(end, cadence)
    now, before = await period_items(session, current, previous, lambda item: route_accepts(route, item))
    return route, route_digest(route, cadence, now, before), current


async def run_company_digest(runtime: CoreServices, session: AsyncSession, job: DueJob) -> None:
    """Send the weekly company-wide digest to the channel a comms lead chose."""
    place = await session.get(PlaceSetting, COMPANY_PLACE)
    if place is None:
        return
    current, previous = digest_periods(_latest_firing(runtime, job, "weekly"), "weekly")
    now, before = await period_items(session, current, previous, lambda _item: True)
    month, month_before = _month_periods(current.end, runtime.settings.time_zone)
    so_far, last_month = await period_items(session, month, month_before, lambda _item: True)
    line = month_nps_line(
        current.end.astimezone(ZoneInfo(runtime.settings.time_zone)),
        [s.item for s in so_far],
        [s.item for s in last_month],
    )
    digest = company_digest("weekly", current, now, before, line)
    await _send(runtime, session, "company", place.target, current, digest)


def _month_periods(end: datetime, zone: str) -> tuple[Period, Period]:
    """This calendar month up to `end`, and the whole month before, in the company's time zone."""
    local = end.astimezone(ZoneInfo(zone))
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    before = (start - timedelta(days=1)).replace(day=1)
    return Period(start.astimezone(UTC), end), Period(before.astimezone(UTC), start.astimezone(UTC))


def _latest_firing(runtime: CoreServices, job: DueJob, cadence: Cadence) -> datetime:
    """The last firing due by now: a digest run late (no worker over a weekend) covers the latest period."""
    latest = job.due_at
    now = runtime.clock.now()
    for _ in range(_CATCH_UP):
        upcoming = next_fire_time(CRONS[cadence], runtime.settings.time_zone, latest)
        if upcoming > now:
            break
        latest = upcoming
    return latest


async def _send(
    runtime: CoreServices, session: AsyncSession, scope: str, target: str, period: Period, digest: Digest
) -> None:
    if digest.empty:
        return
    queued = await runtime.outbox.enqueue(
        session,
        digest_message(digest),
        conversation=target_conversation(target),
        purpose=DIGEST,
        idempotency_key=f"digest:{scope}:{period.end.isoformat()}",
    )
    if queued is None:
        return
    session.add(
        DigestRecord(
            scope=scope,
            target=target,
            period_start=period.start,
            period_end=period.end,
            item_count=digest.count,
            nps=digest.nps,
            created_at=runtime.clock.now(),
        )
    )
