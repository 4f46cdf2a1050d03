"""Routes, adoptions and the company digest channel: what comms leads and CLI users change."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.core.row_ids import row_id
from bot.core.types import UserRef
from bot.customer_voice.filters import UsedLabels
from bot.customer_voice.risk import account_key
from bot.db.models import ScheduledJob
from bot.features.feedback.routing import Route
from bot.features.feedback.rows import record_route, route_record
from bot.features.feedback.tables import Adoption, FeedbackRecord, RouteRecord

if TYPE_CHECKING:
    from bot.core.services import CoreServices

COMPANY_PLACE = "company_digest"
ROUTE_DIGEST = "feedback_route_digest"
COMPANY_DIGEST = "feedback_company_digest"
COMPANY_JOB = "feedback-company-digest"
_REPEAT_LIFT = 0.1
# At 09:00 in the company's time zone (CLUELINE_TZ): daily, and weekly on Mondays.
CRONS = {"daily": "0 9 * * *", "weekly": "0 9 * * 1"}
# The same, as people read it.
CRON_WORDS = {"daily": "every day", "weekly": "every Monday"}


def route_job(route_id: str) -> str:
    """The scheduler's name of a route's digest job."""
    return f"feedback-digest-route-{route_id}"


async def add_route(runtime: CoreServices, route: Route, created_by: str) -> Route:
    """Store a route (and schedule its digest); returns it with its id."""
    async with runtime.database.session() as session:
        record = route_record(route, created_by, runtime.clock.now())
        session.add(record)
        await session.flush()
        stored = record_route(record)
        if not stored.realtime:
            await runtime.scheduler.schedule(
                session,
                route_job(stored.id),
                ROUTE_DIGEST,
                {"route": stored.id},
                cron=CRONS[stored.digest],
                zone=runtime.settings.time_zone,
            )
    return stored


async def same_route(runtime: CoreServices, route: Route) -> Route | None:
    """A stored route that does exactly what `route` would (same target, filters and delivery), if any."""
    wanted = dataclasses.replace(route, id="")
    for stored in await list_routes(runtime):
        if dataclasses.replace(stored, id="") == wanted:
            return stored
    return None


# Distinct tag lists read to learn which tags feedback has used.
TAG_LISTS_READ = 5_000


async def used_labels(runtime: CoreServices) -> UsedLabels | None:
    """The products and tags stored feedback carries; None before any feedback."""
    async with runtime.database.session() as session:
        if (await session.execute(select(col(FeedbackRecord.id)).limit(1))).first() is None:
            return None
        products = (await session.execute(select(col(FeedbackRecord.product)).distinct())).scalars()
        tag_lists = (
            await session.execute(select(col(FeedbackRecord.tags)).distinct().limit(TAG_LISTS_READ))
        ).scalars()
        return UsedLabels(
            frozenset(str(p) for p in products if p),
            frozenset(str(t) for listed in tag_lists for t in json.loads(listed or "[]")),
        )


async def digest_zones(runtime: CoreServices, routes: list[Route]) -> dict[str, str]:
    """The time zone each digest route's 09:00 is in (its schedule's: routes added in other settings keep theirs)."""
    names = {route_job(route.id): route.id for route in routes if not route.realtime}
    if not names:
        return {}
    async with runtime.database.session() as session:
        rows = await session.execute(
            select(col(ScheduledJob.name), col(ScheduledJob.time_zone)).where(
                col(ScheduledJob.name).in_(names)
            )
        )
        return {names[name]: zone for name, zone in rows.all()}


async def list_routes(runtime: CoreServices) -> list[Route]:
    """Every route, oldest first."""
    async with runtime.database.session() as session:
        rows = (await session.execute(select(RouteRecord).order_by(col(RouteRecord.id)))).scalars().all()
    return [record_route(r) for r in rows]


async def stored_route(session: AsyncSession, route_id: str) -> RouteRecord | None:
    """The route of an id as people type it ("3", "#3"); None when there is none."""
    number = row_id(route_id)
    return None if number is None else await session.get(RouteRecord, number)


async def remove_route(runtime: CoreServices, route_id: str) -> bool:
    """Drop a route and its digest job; False when there is no such route."""
    async with runtime.database.session() as session:
        record = await stored_route(session, route_id)
        if record is None:
            return False
        await session.delete(record)
        await runtime.scheduler.cancel(session, route_job(route_id.strip()))
    return True


async def set_company_channel(runtime: CoreServices, target: str) -> None:
    """Send the weekly "hear the customer" digest to a TARGET."""
    await runtime.places.set(COMPANY_PLACE, target)
    async with runtime.database.session() as session:
        await runtime.scheduler.schedule(
            session, COMPANY_JOB, COMPANY_DIGEST, {}, cron=CRONS["weekly"], zone=runtime.settings.time_zone
        )


async def adopt(runtime: CoreServices, user: UserRef, account: str) -> bool:
    """Adopt an account (a DM for each new item from it); False when already adopted."""
    key = account_key(account)
    try:
        async with runtime.database.session() as session:
            existing = (
                await session.execute(
                    select(Adoption).where(col(Adoption.person) == user.key, col(Adoption.account_key) == key)
                )
            ).scalar_one_or_none()
            if existing is not None:
                return False
            session.add(
                Adoption(
                    person=user.key,
                    recipient=user.model_dump_json(),
                    account=" ".join(account.split()),
                    account_key=key,
                    created_at=runtime.clock.now(),
                )
            )
    except IntegrityError:
        return False
    return True


async def unadopt(runtime: CoreServices, person: str, account: str) -> bool:
    """Stop adopting an account; False when it was not adopted."""
    async with runtime.database.session() as session:
        result = await session.execute(
            delete(Adoption).where(
                col(Adoption.person) == person, col(Adoption.account_key) == account_key(account)
            )
        )
    return bool(getattr(result, "rowcount", 0))


async def adopted(runtime: CoreServices, person: str) -> list[str]:
    """The accounts a person adopted, by name."""
    async with runtime.database.session() as session:
        rows = await session.execute(
            select(col(Adoption.account))
            .where(col(Adoption.person) == person)
            .order_by(col(Adoption.account))
        )
        return [str(a) for a in rows.scalars().all()]


async def known_account(runtime: CoreServices, account: str) -> bool:
    """Whether any item came from the account (adopting an unknown one is allowed, but worth saying)."""
    async with runtime.database.session() as session:
        row = await session.execute(
            select(col(FeedbackRecord.id))
            .where(col(FeedbackRecord.account_key) == account_key(account))
            .limit(1)
        )
        return row.first() is not None


async def recent_highlights(
    runtime: CoreServices, limit: int = 10, since: datetime | None = None, *, every_item: bool = False
) -> list[FeedbackRecord]:
    """Highlights (originals chosen as worth hearing), newest first; with `every_item`, every item stored."""
    query = select(FeedbackRecord)
    if not every_item:
        query = query.where(
            col(FeedbackRecord.is_highlight).is_(True), col(FeedbackRecord.duplicate_of).is_(None)
        )
    if since is not None:
        query = query.where(col(FeedbackRecord.received_at) >= since)
    query = query.order_by(col(FeedbackRecord.received_at).desc(), col(FeedbackRecord.id).desc()).limit(limit)
    async with runtime.database.session() as session:
        return list((await session.execute(query)).scalars().all())


async def top_highlights(runtime: CoreServices, limit: int = 10, days: int = 7) -> list[FeedbackRecord]:
    """The week's highlights most worth hearing: by score, with a lift for what many customers repeat."""
    since = runtime.clock.now() - timedelta(days=days)
    records = await recent_highlights(runtime, limit=1000, since=since)
    records.sort(key=lambda r: -(r.highlight_score + _REPEAT_LIFT * min(r.similar_count, 3)))
    return records[:limit]


async def unrouted_destination(runtime: CoreServices) -> str:
    """Where a highlight no route takes goes: the company digest's channel, or nowhere until one is chosen."""
    channel = await runtime.places.get(COMPANY_PLACE)
    return f"the company digest ({channel})" if channel else "no route, and no company digest channel yet"
