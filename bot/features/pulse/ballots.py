"""Ballots: taking answers through invitations and storing them sealed.

The person side (invitations) and the answer side (ballots) meet only here: the invitation is
flipped and a sealed pending ballot written in one transaction; closing opens and mixes them later.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.core.services import CoreServices
from bot.features.pulse.anonymity import hash_token
from bot.features.pulse.questions import (
    InvalidAnswer,
    PulseKind,
    parse_kind,
    validate_answer,
    validate_comment,
)
from bot.features.pulse.results import effective_threshold
from bot.features.pulse.sealing import BallotContents, BallotSeal
from bot.features.pulse.tables import Pulse, PulseBallot, PulseInvitation, PulsePendingBallot, PulseRun


class AnswerOutcome(Enum):
    """What became of an answer."""

    RECORDED = "recorded"
    ALREADY = "already"
    REFUSED = "refused"  # closed, unknown or someone else's: one reply for all, revealing nothing
    INVALID = "invalid"


@dataclass(frozen=True)
class AnswerResult:
    """An answer's outcome, with what the thank-you shows."""

    outcome: AnswerOutcome
    kind: PulseKind = "text"
    responses: int = 0
    audience: int = 0
    threshold: int = 5
    reason: str = ""


async def record_answer(runtime: CoreServices, person: str, token: str, raw: object) -> AnswerResult:
    """Record a one-tap (or typed) answer through its invitation token; refuses anything not theirs to answer."""
    async with runtime.database.session() as session:
        found = await _invitation(session, hash_token(token), person, runtime.clock.now())
        if found is None:
            return AnswerResult(AnswerOutcome.REFUSED)
        invitation, run, pulse = found
        return await _answer(runtime, session, invitation, run, pulse, raw)


async def record_typed_answer(runtime: CoreServices, person: str, raw: str) -> AnswerResult:
    """An answer typed in chat (`pulse answer ...`): to the person's newest open pulse they have not answered.

    With every open one answered, it is their newest: the reply says they answered already (their own
    fact, nothing about anyone else), and a score out of range or not a number says which.
    """
    async with runtime.database.session() as session:
        rows = (
            await session.execute(
                _invitations_with_runs()
                .where(
                    col(PulseInvitation.person) == person,
                    col(PulseRun.status) == "open",
                    col(PulseRun.closes_at) > runtime.clock.now(),
                )
                .order_by(col(PulseInvitation.answered), col(PulseRun.opens_at).desc())
            )
        ).all()
        if not rows:
            return AnswerResult(AnswerOutcome.REFUSED)
        invitation, run, pulse = rows[0]
        return await _answer(runtime, session, invitation, run, pulse, raw)


async def _invitation(
    session: AsyncSession, token_hash: str, person: str, now: datetime
) -> tuple[PulseInvitation, PulseRun, Pulse] | None:
    row = (
        await session.execute(
            _invitations_with_runs().where(
                or_(
                    col(PulseInvitation.token_hash) == token_hash,
                    col(PulseInvitation.reminder_token_hash) == token_hash,
                )
            )
        )
    ).first()
    if row is None:
        return None
    invitation, run, pulse = row
    if invitation.person != person or run.status != "open" or run.closes_at <= now:
        return None
    return invitation, run, pulse


async def _answer(
    runtime: CoreServices,
    session: AsyncSession,
    invitation: PulseInvitation,
    run: PulseRun,
    pulse: Pulse,
    raw: object,
) -> AnswerResult:
    kind = parse_kind(pulse.kind)
    threshold = effective_threshold(pulse.threshold)
    assert run.id is not None
    if invitation.answered:
        return AnswerResult(AnswerOutcome.ALREADY, kind)
    try:
        value = validate_answer(kind, raw)
    except InvalidAnswer as exc:
        return AnswerResult(AnswerOutcome.INVALID, kind, reason=str(exc))
    # One answer per person per run, enforced on the invitation: only the flip that touches a row counts.
    flipped = await session.execute(
        update(PulseInvitation)
        .where(col(PulseInvitation.id) == invitation.id, col(PulseInvitation.answered).is_(False))
        .values(answered=True)
    )
    if flipped.rowcount != 1:  # type: ignore[attr-defined]
        return AnswerResult(AnswerOutcome.ALREADY, kind)
    contents = BallotContents(value=str(value), comment=None, segment=invitation.segment)
    session.add(
        PulsePendingBallot(
            id=str(uuid.uuid4()),
            run_id=run.id,
            kind="answer",
            sealed=ballot_seal(runtime).seal(run.id, contents, free_text=kind == "text"),
        )
    )
    await session.flush()
    # How many answered so far is not said: "7 of 16" in a person's DM (and in any log of it) is answer order.
    return AnswerResult(AnswerOutcome.RECORDED, kind, audience=run.audience_size, threshold=threshold)


async def record_comment(runtime: CoreServices, person: str, token: str | None, raw: object) -> AnswerResult:
    """An optional comment after a score, stored as its own ballot so it is not tied to the score either."""
    try:
        comment = validate_comment(raw)
    except InvalidAnswer as exc:
        return AnswerResult(AnswerOutcome.INVALID, reason=str(exc))
    if comment is None:
        return AnswerResult(AnswerOutcome.INVALID, reason="The comment is empty; write a few words.")
    async with runtime.database.session() as session:
        if token is not None:
            found = await _invitation(session, hash_token(token), person, runtime.clock.now())
        else:
            found = await _newest_answered(session, person, runtime.clock.now())
        if found is None:
            return AnswerResult(AnswerOutcome.REFUSED)
        invitation, run, pulse = found
        assert run.id is not None
        flipped = await session.execute(
            update(PulseInvitation)
            .where(
                col(PulseInvitation.id) == invitation.id,
                col(PulseInvitation.answered).is_(True),
                col(PulseInvitation.commented).is_(False),
            )
            .values(commented=True)
        )
        if flipped.rowcount != 1:  # type: ignore[attr-defined]
            return AnswerResult(AnswerOutcome.ALREADY)
        contents = BallotContents(value=None, comment=comment, segment=None)
        session.add(
            PulsePendingBallot(
                id=str(uuid.uuid4()),
                run_id=run.id,
                kind="comment",
                sealed=ballot_seal(runtime).seal(run.id, contents, free_text=True),
            )
        )
        return AnswerResult(AnswerOutcome.RECORDED, parse_kind(pulse.kind))


async def _newest_answered(
    session: AsyncSession, person: str, now: datetime
) -> tuple[PulseInvitation, PulseRun, Pulse] | None:
    row = (
        await session.execute(
            _invitations_with_runs()
            .where(
                col(PulseInvitation.person) == person,
                col(PulseInvitation.answered).is_(True),
                col(PulseInvitation.commented).is_(False),
                col(PulseRun.status) == "open",
                col(PulseRun.closes_at) > now,
                col(Pulse.kind) != "text",
            )
            .order_by(col(PulseRun.opens_at).desc())
        )
    ).first()
    return None if row is None else (row[0], row[1], row[2])


def ballot_seal(runtime: CoreServices) -> BallotSeal:
    """The seal of this process's pulse ballots."""
    return BallotSeal(runtime.secret_key.material())


async def count_responses(session: AsyncSession, run_id: int) -> int:
    """Answers (not comments) a run has so far, pending and mixed."""
    pending = await session.scalar(
        select(func.count())
        .select_from(PulsePendingBallot)
        .where(col(PulsePendingBallot.run_id) == run_id, col(PulsePendingBallot.kind) == "answer")
    )
    mixed = await session.scalar(
        select(func.count())
        .select_from(PulseBallot)
        .where(col(PulseBallot.run_id) == run_id, col(PulseBallot.value).is_not(None))
    )
    return int(pending or 0) + int(mixed or 0)


def _invitations_with_runs() -> Select[PulseInvitation, PulseRun, Pulse]:
    """Invitations with their run and pulse, to be narrowed by the caller."""
    return (
        select(PulseInvitation, PulseRun, Pulse)
        .join(PulseRun, col(PulseRun.id) == col(PulseInvitation.run_id))
        .join(Pulse, col(Pulse.id) == col(PulseRun.pulse_id))
    )
