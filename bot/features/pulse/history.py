"""What other features may read of closed pulse runs: answers by segment, never by person, month by month.

Only closed runs are read (results exist only then), ballots carry a segment only where the pulse's
threshold allowed it at close, and the run's close time stands for the ballots' date (they have none).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.features.pulse.questions import PulseKind
from bot.features.pulse.results import COMMENT_THRESHOLD, effective_threshold, enps_score
from bot.features.pulse.suppression import suppress_cells
from bot.features.pulse.tables import Pulse, PulseBallot, PulseRun

__all__ = ["COMMENT_THRESHOLD", "ClosedRun", "closed_runs", "enps_score", "suppress_cells"]


@dataclass(frozen=True)
class ClosedRun:
    """A closed run: when it closed, its threshold, whom it asked, and its answers with their segment labels."""

    run_id: int
    kind: PulseKind
    closes_at: datetime
    threshold: int
    audience: tuple[str, ...]
    answers: tuple[tuple[str | None, str], ...]  # (segment, value), sorted: order says nothing


async def closed_runs(
    session: AsyncSession, kind: PulseKind, start: datetime, end: datetime
) -> list[ClosedRun]:
    """The closed runs of pulses of `kind` that closed in [start, end), oldest first."""
    rows = (
        await session.execute(
            select(PulseRun, Pulse)
            .join(Pulse, col(Pulse.id) == col(PulseRun.pulse_id))
            .where(
                col(Pulse.kind) == kind,
                col(PulseRun.status) == "closed",
                col(PulseRun.closes_at) >= start,
                col(PulseRun.closes_at) < end,
            )
            .order_by(col(PulseRun.closes_at), col(PulseRun.id))
        )
    ).all()
    runs: list[ClosedRun] = []
    for run, pulse in rows:
        assert run.id is not None
        ballots = (
            await session.execute(
                select(col(PulseBallot.segment), col(PulseBallot.value)).where(
                    col(PulseBallot.run_id) == run.id, col(PulseBallot.value).is_not(None)
                )
            )
        ).all()
        answers = sorted(
            ((segment, str(value)) for segment, value in ballots), key=lambda a: (a[0] or "", a[1])
        )
        runs.append(
            ClosedRun(
                run_id=run.id,
                kind=kind,
                closes_at=run.closes_at,
                threshold=effective_threshold(pulse.threshold),
                audience=tuple(json.loads(pulse.audience)),
                answers=tuple(answers),
            )
        )
    return runs
