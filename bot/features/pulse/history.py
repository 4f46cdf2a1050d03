"""What other features may read of closed pulse runs: answers by segment, never by person, month by month.

The composition root hands a `PulseHistory` to a feature that asks for it in its own terms (the link's
`EmployeeVoice`); nothing here knows who reads.

Only closed runs are read (results exist only then), ballots carry a segment only where the pulse's
threshold allowed it at close, and the run's close time stands for the ballots' date (they have none).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, cast, get_args

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.features.pulse.anonymity import labelled_segments, shuffled_for_storage
from bot.features.pulse.overlap import History
from bot.features.pulse.questions import PulseKind
from bot.features.pulse.results import COMMENT_THRESHOLD, EnpsTally, effective_threshold
from bot.features.pulse.suppression import suppress_cells
from bot.features.pulse.tables import Pulse, PulseBallot, PulseRun
from bot.features.pulse.views import run_view

if TYPE_CHECKING:
    from bot.core.services import CoreServices


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
    """The closed runs of pulses of `kind` that closed in [start, end) and whose results show, oldest first.

    A run whose results are hidden (too few answers, or an earlier result of an audience that differs by a
    few people) comes without answers: pooled into a month, the month's figure less the other runs' would be
    its own. It still says a pulse ran (the month shows hidden, not "no pulse"). A shown run's answers keep
    the label only of segments its results show: a segment hidden there (one person more than last month's)
    must not show in a team's month instead.
    """
    shown = History(session, run_view)
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
        view = await shown.view(pulse, run)
        hidden = bool(view.results["hidden"])
        runs.append(
            ClosedRun(
                run_id=run.id,
                kind=kind,
                closes_at=run.closes_at,
                threshold=effective_threshold(pulse.threshold),
                audience=tuple(json.loads(pulse.audience)),
                answers=() if hidden else await _answers(session, run.id, frozenset(view.segments)),
            )
        )
    return runs


async def _answers(
    session: AsyncSession, run_id: int, shown_segments: frozenset[str]
) -> tuple[tuple[str | None, str], ...]:
    """A closed run's (segment label, value) pairs, labels outside `shown_segments` dropped, sorted: their order
    says nothing."""
    ballots = (
        await session.execute(
            select(col(PulseBallot.segment), col(PulseBallot.value)).where(
                col(PulseBallot.run_id) == run_id, col(PulseBallot.value).is_not(None)
            )
        )
    ).all()
    return tuple(
        sorted(
            ((segment if segment in shown_segments else None, str(value)) for segment, value in ballots),
            key=lambda a: (a[0] or "", a[1]),
        )
    )


async def record_closed_run(
    runtime: CoreServices,
    question: str,
    answers: Mapping[str, Sequence[int]],
    closes_at: datetime,
    threshold: int | None = None,
) -> int:
    """Write an earlier, already closed eNPS run (the demo's history, results from before Clueline).

    Its ballots get segment labels by the same rule as a close: only segments whose answers reach the
    threshold keep theirs, and they are written in a shuffled batch. Returns the pulse's id.
    """
    limit = effective_threshold(threshold)
    labelled = labelled_segments([segment for segment, scores in answers.items() for _ in scores], limit)
    async with runtime.database.session() as session:
        pulse = Pulse(
            question=question,
            kind="enps",
            audience=json.dumps(list(answers)),
            closes_after=0,
            threshold=limit,
            created_by="history",
            created_at=closes_at,
            status="closed",
        )
        session.add(pulse)
        await session.flush()
        assert pulse.id is not None
        run = PulseRun(
            pulse_id=pulse.id,
            scheduled_for=closes_at,
            opens_at=closes_at,
            closes_at=closes_at,
            status="closed",
            audience_size=sum(len(scores) for scores in answers.values()),
        )
        session.add(run)
        await session.flush()
        assert run.id is not None
        ballots = [(segment, score) for segment, scores in answers.items() for score in scores]
        for segment, score in shuffled_for_storage(ballots):
            session.add(
                PulseBallot(
                    id=str(uuid.uuid4()),
                    run_id=run.id,
                    value=str(score),
                    segment=segment if segment in labelled else None,
                )
            )
        return pulse.id


class PulseRules:
    """The pulse's rules for showing employee figures, for features that show them beside their own."""

    comment_threshold = COMMENT_THRESHOLD

    def visible_cells(
        self,
        atoms: Mapping[str, int],
        cells: Mapping[str, frozenset[str]],
        threshold: int,
        *,
        published: Sequence[frozenset[str]],
        last: str,
    ) -> frozenset[str]:
        """Which cells (sums of atoms) may show: the pulse's primary and complementary suppression, atom by
        atom, so that reports over differently drawn cells (teams redefined) never difference to a hidden one."""
        return suppress_cells(atoms, cells, threshold, published=published, last=last)

    def enps(self, scores: Iterable[int]) -> tuple[int | None, int]:
        """The eNPS of 0-10 scores and how many there are."""
        tally = EnpsTally.from_scores(scores)
        return tally.enps, tally.responses


class PulseHistory(PulseRules):
    """Closed runs read and written under the pulse's anonymity rules, each call in a session of its own."""

    def __init__(self, runtime: CoreServices) -> None:
        self._runtime = runtime

    async def closed_runs(self, kind: str, start: datetime, end: datetime) -> list[ClosedRun]:
        """The closed runs of pulses of `kind` that closed in [start, end), oldest first."""
        assert kind in get_args(PulseKind), kind
        async with self._runtime.database.session() as session:
            return await closed_runs(session, cast(PulseKind, kind), start, end)

    async def record_closed_run(
        self, question: str, answers: Mapping[str, Sequence[int]], closes_at: datetime
    ) -> int:
        """Write an earlier, already closed eNPS run (see `record_closed_run`); its pulse's id."""
        return await record_closed_run(self._runtime, question, answers, closes_at)
