"""Closing a run: mixing its ballots, posting results and reporting who could not be reached."""

from __future__ import annotations

import json
import logging
import uuid
from functools import partial

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.core.services import CoreServices
from bot.core.targets import parse_target, person_of
from bot.db.models import OutboxMessage
from bot.features.pulse import render
from bot.features.pulse.anonymity import labelled_segments, shuffled_for_storage
from bot.features.pulse.ballots import ballot_seal
from bot.features.pulse.questions import parse_kind
from bot.features.pulse.results import COMMENT_THRESHOLD, effective_threshold
from bot.features.pulse.runs import reminder_key_prefix
from bot.features.pulse.scrubbing import scrub_pending_ballots
from bot.features.pulse.tables import Pulse, PulseBallot, PulseInvitation, PulsePendingBallot, PulseRun
from bot.features.pulse.views import results_post, run_view
from bot.outbox.scheduler import AfterCommit, DueJob

log = logging.getLogger(__name__)

CLOSED_BEFORE_SENT = "not sent: the pulse closed first"


async def close_job(runtime: CoreServices, session: AsyncSession, job: DueJob) -> AfterCommit | None:
    """The scheduler's `pulse.close`; once it has committed, the deleted sealed ballots are scrubbed."""
    if await close_run(runtime, session, int(job.payload["run"])):
        return partial(scrub_pending_ballots, runtime.database)
    return None


async def mix_ballots(runtime: CoreServices, session: AsyncSession, pulse: Pulse, run_id: int) -> int:
    """Open a run's sealed ballots and move them into the ballot table in one shuffled batch; how many.

    A ballot keeps its segment only when that segment's answers (not its audience) reach the threshold,
    so a channel of five with one answer never labels that one ballot.
    """
    seal = ballot_seal(runtime)
    pending = (
        (await session.execute(select(PulsePendingBallot).where(col(PulsePendingBallot.run_id) == run_id)))
        .scalars()
        .all()
    )
    opened = [seal.open(run_id, ballot.sealed) for ballot in pending]
    threshold = effective_threshold(pulse.threshold)
    if parse_kind(pulse.kind) == "text":
        threshold = max(threshold, COMMENT_THRESHOLD)
    kept = labelled_segments([ballot.segment for ballot in opened if ballot.value is not None], threshold)
    for ballot in pending:
        await session.delete(ballot)
    await session.flush()
    for contents in shuffled_for_storage(opened):
        session.add(
            PulseBallot(
                id=str(uuid.uuid4()),
                run_id=run_id,
                value=contents.value,
                comment=contents.comment,
                segment=contents.segment if contents.value is not None and contents.segment in kept else None,
            )
        )
        # One insert at a time, in the shuffled order, so heap order follows the shuffle.
        await session.flush()
    return len(pending)


async def close_run(runtime: CoreServices, session: AsyncSession, run_id: int) -> bool:
    """Close an open run: mix its ballots, publish results and the reachability report; False if not open.

    This transaction touches no invitation, so no ballot shares a transaction with a person's row. The
    deleted sealed ballots linger in the files until `scrub_pending_ballots` runs, after it commits.
    """
    run = await session.get(PulseRun, run_id)
    if run is None or run.status != "open":
        return False
    pulse = await session.get(Pulse, run.pulse_id)
    assert pulse is not None and run.id is not None and pulse.id is not None
    now = runtime.clock.now()
    run.status = "closed"
    # When it closed, early or late: a run whose close came late (no worker running) is judged after the runs
    # closed before it, whose results were shown first (overlap.py compares each with those before it).
    run.closes_at = now
    mixed = await mix_ballots(runtime, session, pulse, run.id)
    if not pulse.cron and pulse.status == "scheduled":
        pulse.status = "closed"
    view = await run_view(session, pulse, run)
    if pulse.results_target:
        target = parse_target(pulse.results_target)
        conversation = await runtime.directory.place(target)
        await runtime.outbox.enqueue(
            session,
            await results_post(session, pulse, view),
            conversation=conversation,
            purpose="pulse_results",
            idempotency_key=f"pulse-results:{run.id}",
        )
    await _cancel_unsent(session, run.id)
    unreached = await unreached_people(session, run)
    creator = person_of(pulse.created_by)
    if unreached and creator is not None:
        await runtime.outbox.enqueue(
            session,
            render.reachability_message(pulse.id, pulse.question, unreached),
            recipient=creator,
            purpose="pulse_report",
            idempotency_key=f"pulse-report:{run.id}",
        )
    log.info(
        "pulse %s run %s closed: %d answers mixed, %d unreached", pulse.id, run.id, mixed, len(unreached)
    )
    return True


async def close_pulse(runtime: CoreServices, pulse_id: int) -> int:
    """Close a pulse's open runs and stop it recurring; returns how many runs closed (-1: no such pulse)."""
    async with runtime.database.session() as session:
        pulse = await session.get(Pulse, pulse_id)
        if pulse is None:
            return -1
        pulse.status = "closed"
        runs = (
            (
                await session.execute(
                    select(PulseRun).where(col(PulseRun.pulse_id) == pulse_id, col(PulseRun.status) == "open")
                )
            )
            .scalars()
            .all()
        )
        run_ids = [run.id for run in runs if run.id is not None]
    closed = 0
    for run_id in run_ids:
        async with runtime.database.session() as session:
            closed += int(await close_run(runtime, session, run_id))
    if closed:
        await scrub_pending_ballots(runtime.database)
    return closed


async def _cancel_unsent(session: AsyncSession, run_id: int) -> None:
    """Invitations and reminders of the run not sent yet stay unsent: they would arrive after the close, with
    buttons that no longer work."""
    invitations = select(col(PulseInvitation.outbox_id)).where(
        col(PulseInvitation.run_id) == run_id, col(PulseInvitation.outbox_id).is_not(None)
    )
    await session.execute(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.status) == "pending",
            or_(
                col(OutboxMessage.id).in_(invitations),
                col(OutboxMessage.idempotency_key).startswith(reminder_key_prefix(run_id)),
            ),
        )
        .values(status="failed", last_error=CLOSED_BEFORE_SENT, lease_until=None)
    )


async def unreached_people(session: AsyncSession, run: PulseRun) -> list[tuple[str, str]]:
    """Who could not be reached in a run, and why: unusable targets and failed or undelivered DMs."""
    found: list[tuple[str, str]] = [(str(who), str(why)) for who, why in json.loads(run.unreached)]
    rows = (
        await session.execute(
            select(col(PulseInvitation.person), col(OutboxMessage.status), col(OutboxMessage.last_error))
            .join(OutboxMessage, col(OutboxMessage.id) == col(PulseInvitation.outbox_id))
            .where(col(PulseInvitation.run_id) == run.id, col(OutboxMessage.status) != "sent")
            .order_by(col(PulseInvitation.person))
        )
    ).all()
    for person, status, error in rows:
        why = (error or "unknown error") if status == "failed" else "being sent when the pulse closed"
        found.append((person, why))
    return found
