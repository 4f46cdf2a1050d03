"""A pulse's runs: scheduling them, opening one (invitations and DMs), and reminders."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.core.services import CoreServices
from bot.core.targets import person_of
from bot.core.types import OutboundMessage, SentMessage, UserRef
from bot.db.models import OutboxMessage
from bot.features.pulse import render
from bot.features.pulse.anonymity import new_invitation_token
from bot.features.pulse.audience import expand_audience
from bot.features.pulse.questions import parse_kind
from bot.features.pulse.results import COMMENT_THRESHOLD
from bot.features.pulse.schedule import local_send_time, next_runs
from bot.features.pulse.spec import PulseSpec
from bot.features.pulse.tables import DELIVERED, Pulse, PulseInvitation, PulseRun
from bot.outbox.scheduler import DueJob
from bot.outbox.store import OutboxEntry

log = logging.getLogger(__name__)

OPEN_JOB: Final = "pulse.open"
REMIND_JOB: Final = "pulse.remind"
CLOSE_JOB: Final = "pulse.close"
INVITE_PURPOSE: Final = "pulse_invite"
REMINDER_PURPOSE: Final = "pulse_reminder"
# What a sent invitation's or reminder's outbox row keeps instead of the message: its buttons carry
# one-tap answer tokens, and a database reader holding one could answer in that person's name.
SENT_TOKEN_PLACEHOLDER: Final = OutboundMessage.plain(
    "(pulse invitation sent; its answer buttons are not kept)"
)
MAX_REMINDERS: Final = 2
# With the recipient-local-time option a run opens this early, so a recipient east of the pulse's
# zone still gets it at the local hour (zones lie within 26 hours of each other).
LOCAL_TIME_LEAD: Final = timedelta(hours=26)


async def create_pulse(runtime: CoreServices, spec: PulseSpec, *, status: str = "scheduled") -> int:
    """Store a pulse and schedule its first run (now, at its time, or at its first cron firing)."""
    async with runtime.database.session() as session:
        pulse = Pulse(
            question=spec.question,
            kind=spec.kind,
            audience=json.dumps(spec.audience),
            at=spec.at,
            cron=spec.cron,
            time_zone=spec.time_zone,
            skip_weekends=spec.skip_weekends,
            recipient_local_time=spec.recipient_local_time,
            closes_after=int(spec.closes_after.total_seconds()),
            reminder_after=int(spec.reminder_after.total_seconds()) if spec.reminder_after else None,
            threshold=spec.threshold,
            results_target=spec.results_target,
            created_by=spec.created_by,
            created_at=runtime.clock.now(),
            status=status,
        )
        session.add(pulse)
        await session.flush()
        if status == "scheduled":
            await schedule_next_run(runtime, session, pulse, runtime.clock.now())
        assert pulse.id is not None
        log.info("pulse %s created (%s, %d audience targets)", pulse.id, pulse.kind, len(spec.audience))
        return pulse.id


def next_run_time(pulse: Pulse, after: datetime) -> datetime:
    """When the next run of a recurring pulse is due: the pulse's own DST-safe recurrence."""
    assert pulse.cron is not None
    return next_runs(pulse.cron, pulse.time_zone or "UTC", after, 1, skip_weekends=pulse.skip_weekends)[0]


async def schedule_next_run(
    runtime: CoreServices, session: AsyncSession, pulse: Pulse, after: datetime
) -> None:
    """Schedule the open job of the pulse's next run, as a one-off job named by its time (so runs are unique)."""
    now = runtime.clock.now()
    run_at = next_run_time(pulse, after) if pulse.cron else pulse.at or now
    opens = run_at - LOCAL_TIME_LEAD if pulse.recipient_local_time else run_at
    await runtime.scheduler.schedule(
        session,
        f"pulse:{pulse.id}:open:{run_at.isoformat()}",
        OPEN_JOB,
        {"pulse": pulse.id, "run_at": run_at.isoformat()},
        at=max(opens, now),
    )


async def open_job(runtime: CoreServices, session: AsyncSession, job: DueJob) -> None:
    """The scheduler's `pulse.open`: open the run, then schedule the next one of a recurring pulse."""
    pulse = await session.get(Pulse, int(job.payload["pulse"]))
    if pulse is None or pulse.status != "scheduled":
        return
    run_at = datetime.fromisoformat(str(job.payload["run_at"]))
    await open_run(runtime, session, pulse, run_at)
    if pulse.cron:
        await schedule_next_run(runtime, session, pulse, run_at)


def reminder_key_prefix(run_id: int) -> str:
    """What the outbox keys of a run's reminders start with."""
    return f"pulse-remind:{run_id}:"


async def open_run(
    runtime: CoreServices, session: AsyncSession, pulse: Pulse, run_at: datetime, *, also_asked: int = 0
) -> PulseRun:
    """Open one run: invitations and one DM per person (idempotent per run and person), reminders, close.

    `also_asked`: people the caller invites itself (the demo's simulated colleagues), counted in the note to the
    creator that too few were asked for results to show.
    """
    assert pulse.id is not None
    existing = (
        await session.execute(
            select(PulseRun).where(col(PulseRun.pulse_id) == pulse.id, col(PulseRun.scheduled_for) == run_at)
        )
    ).scalar_one_or_none()
    if existing is not None:
        return existing
    recipients, unreached = await expand_audience(runtime, json.loads(pulse.audience))
    now = runtime.clock.now()
    starts = {
        recipient.user.key: max(now, _send_time(pulse, run_at, recipient.user.time_zone))
        for recipient in recipients
    }
    closes_at = max(starts.values(), default=now) + timedelta(seconds=pulse.closes_after)
    run = PulseRun(
        pulse_id=pulse.id,
        scheduled_for=run_at,
        opens_at=now,
        closes_at=closes_at,
        audience_size=len(recipients),
        unreached=json.dumps(unreached),
    )
    session.add(run)
    await session.flush()
    assert run.id is not None
    kind = parse_kind(pulse.kind)
    for recipient in recipients:
        token, token_hash = new_invitation_token()
        per_row = _buttons_per_row(runtime, recipient.user.platform)
        outbox_id = await runtime.outbox.enqueue(
            session,
            render.invitation(pulse.question, kind, token, pulse.threshold, per_row),
            recipient=recipient.user,
            purpose=INVITE_PURPOSE,
            idempotency_key=f"pulse-invite:{run.id}:{recipient.user.key}",
            not_before=starts[recipient.user.key],
        )
        session.add(
            PulseInvitation(
                run_id=run.id,
                person=recipient.user.key,
                recipient=recipient.user.model_dump_json(),
                token_hash=token_hash,
                segment=recipient.segment,
                outbox_id=outbox_id,
            )
        )
    if pulse.reminder_after:
        interval = timedelta(seconds=pulse.reminder_after)
        for number in range(1, MAX_REMINDERS + 1):
            due = run_at + number * interval
            # A reminder leaves at least half an interval to answer: one due as the run closes would arrive
            # with buttons that no longer work.
            if due + interval / 2 <= closes_at:
                await runtime.scheduler.schedule(
                    session,
                    f"pulse:{pulse.id}:run:{run.id}:remind:{number}",
                    REMIND_JOB,
                    {"run": run.id, "number": number},
                    at=max(due, now),
                )
    await runtime.scheduler.schedule(
        session, f"pulse:{pulse.id}:run:{run.id}:close", CLOSE_JOB, {"run": run.id}, at=closes_at
    )
    if recipients:
        log.info("pulse %s run %s opened for %d people", pulse.id, run.id, len(recipients))
    else:
        log.warning(
            "pulse %s run %s opened for nobody: no member of its audience could be found", pulse.id, run.id
        )
    creator = person_of(pulse.created_by)
    need = max(pulse.threshold, COMMENT_THRESHOLD) if kind == "text" else pulse.threshold
    asked = len(recipients) + also_asked
    if creator is not None and (unreached or asked < need):
        # Now, not only at close: a misspelt channel would otherwise leave the pulse asking nobody for days.
        await runtime.outbox.enqueue(
            session,
            render.opening_report(pulse.id, pulse.question, asked, unreached, need),
            recipient=creator,
            purpose="pulse_report",
            idempotency_key=f"pulse-opened:{run.id}",
        )
    return run


def _send_time(pulse: Pulse, run_at: datetime, recipient_zone: str | None) -> datetime:
    if not pulse.recipient_local_time:
        return run_at
    return local_send_time(run_at, pulse.time_zone or "UTC", recipient_zone)


def _buttons_per_row(runtime: CoreServices, platform: str) -> int:
    return runtime.platforms.capabilities(platform).max_buttons


async def invitation_sent(session: AsyncSession, entry: OutboxEntry, sent: SentMessage) -> None:
    """The outbox's on-sent hook for invitations: the DM reached the person; its tokens leave the outbox."""
    await session.execute(
        update(PulseInvitation)
        .where(col(PulseInvitation.outbox_id) == entry.id)
        .values(delivery_status=DELIVERED, delivery_reason=None)
    )
    await _forget_answer_tokens(session, entry)


async def reminder_sent(session: AsyncSession, entry: OutboxEntry, sent: SentMessage) -> None:
    """The outbox's on-sent hook for reminders: the person has the tokens now, the outbox need not keep them."""
    await _forget_answer_tokens(session, entry)


async def _forget_answer_tokens(session: AsyncSession, entry: OutboxEntry) -> None:
    """Replace a sent message's stored copy, whose buttons carry one-tap answer tokens."""
    await session.execute(
        update(OutboxMessage)
        .where(col(OutboxMessage.id) == entry.id)
        .values(message=SENT_TOKEN_PLACEHOLDER.model_dump_json())
    )


async def remind_job(runtime: CoreServices, session: AsyncSession, job: DueJob) -> None:
    """The scheduler's `pulse.remind`: one reminder to each person who has not answered yet."""
    await send_reminders(runtime, session, int(job.payload["run"]), int(job.payload["number"]))


async def send_reminders(runtime: CoreServices, session: AsyncSession, run_id: int, number: int) -> int:
    """Queue reminder `number` (at most two) to non-respondents of an open run; returns how many."""
    run = await session.get(PulseRun, run_id)
    if run is None or run.status != "open" or number > MAX_REMINDERS:
        return 0
    pulse = await session.get(Pulse, run.pulse_id)
    assert pulse is not None
    kind = parse_kind(pulse.kind)
    pending = (
        (
            await session.execute(
                select(PulseInvitation).where(
                    col(PulseInvitation.run_id) == run_id,
                    col(PulseInvitation.answered).is_(False),
                    col(PulseInvitation.reminders_sent) < number,
                )
            )
        )
        .scalars()
        .all()
    )
    queued = 0
    for invitation in pending:
        # A reminder carries a fresh token; the invitation's own buttons keep working too.
        token, token_hash = new_invitation_token()
        recipient = UserRef.model_validate_json(invitation.recipient)
        message = render.reminder(
            pulse.question, kind, token, pulse.threshold, _buttons_per_row(runtime, recipient.platform)
        )
        invitation.reminder_token_hash = token_hash
        invitation.reminders_sent = number
        await runtime.outbox.enqueue(
            session,
            message,
            recipient=recipient,
            purpose=REMINDER_PURPOSE,
            idempotency_key=f"{reminder_key_prefix(run_id)}{invitation.person}:{number}",
        )
        queued += 1
    log.info("pulse run %s: reminder %d to %d people", run_id, number, queued)
    return queued
