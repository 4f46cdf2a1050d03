"""The monthly link report, posted on the first working day of each month in the company's time zone."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.targets import TargetError, parse_target
from bot.core.types import ConversationRef
from bot.features.link.assembly import link_report
from bot.features.link.months import DEFAULT_MONTHS, month_of, shift
from bot.features.link.render import report_message
from bot.features.link.sources import LinkSources
from bot.features.link.teams import TARGET_FORMS, TeamError
from bot.outbox.scheduler import DueJob

if TYPE_CHECKING:
    from bot.core.services import CoreServices

LINK_PLACE = "link_report"
MONTHLY_JOB = "link_monthly"
MONTHLY_JOB_NAME = "link-monthly-report"
POST_PURPOSE = "link_report"
# The first working day falls on the 1st, or on Monday the 2nd or 3rd; the job checks which.
MONTHLY_CRON = "0 9 1-3 * *"


def first_working_day(moment: datetime, zone: str) -> bool:
    """Whether the moment's day (in the zone) is the month's first weekday."""
    day = moment.astimezone(ZoneInfo(zone))
    return day.weekday() < 5 and (day.day == 1 or day.weekday() == 0)


async def set_link_channel(runtime: CoreServices, raw: str) -> str:
    """Post the monthly report to a TARGET; returns it normalised."""
    try:
        target = str(parse_target(raw))
    except TargetError:
        raise TeamError(f"{raw!r} is not a TARGET; use {TARGET_FORMS}") from None
    await runtime.places.set(LINK_PLACE, target)
    async with runtime.database.session() as session:
        await runtime.scheduler.schedule(
            session, MONTHLY_JOB_NAME, MONTHLY_JOB, {}, cron=MONTHLY_CRON, zone=runtime.settings.time_zone
        )
    return target


async def monthly_job(
    runtime: CoreServices, sources: LinkSources, session: AsyncSession, job: DueJob
) -> None:
    """On the first working day: last month's report (and the year before it) to the chosen channel."""
    zone = runtime.settings.time_zone
    now = runtime.clock.now()
    target = await runtime.places.get(LINK_PLACE)
    if target is None or not first_working_day(now, zone):
        return
    last = shift(month_of(now, zone), -1)
    report = await link_report(runtime, sources, DEFAULT_MONTHS, last=last)
    place = parse_target(target)
    conversation = await runtime.directory.conversation(
        place.platform, place.channel, place.workspace or None
    ) or ConversationRef(platform=place.platform, workspace=place.workspace, channel=place.channel)
    await runtime.outbox.enqueue(
        session,
        report_message(report, heading=f"The link, {last}"),
        conversation=conversation,
        purpose=POST_PURPOSE,
        idempotency_key=f"link-report:{last}",
    )
