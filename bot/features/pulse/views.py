"""Results of runs and pulses as shown to comms leads, safe against subtraction."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Final
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.core.services import CoreServices
from bot.core.types import OutboundMessage
from bot.features.pulse import render
from bot.features.pulse.ballots import count_responses
from bot.features.pulse.chart import TrendPoint, enps_chart, trend_chart
from bot.features.pulse.overlap import History
from bot.features.pulse.questions import parse_kind
from bot.features.pulse.results import (
    EnpsTally,
    PulseResults,
    effective_threshold,
    hidden_results,
    pulse_results,
    visible_comments,
)
from bot.features.pulse.suppression import PublishedCut, SegmentAnswers, cut_results
from bot.features.pulse.tables import Pulse, PulseBallot, PulseRun

POOLED: Final = "(pooled)"  # ballots of named people and of segments below the threshold


@dataclass(frozen=True)
class RunView:
    """A run's results as shown: the CONTRACT shape, visible segments, comments, and why they are hidden."""

    results: PulseResults
    segments: dict[str, PulseResults]
    comments: list[str]
    scores: list[int]
    published: PublishedCut
    reason: str | None = None  # why the results are hidden, when it is not simply too few answers


async def run_view(
    session: AsyncSession, pulse: Pulse, run: PulseRun, history: History | None = None, zone: str = "UTC"
) -> RunView:
    """Results of one run, shown only once it has closed, safe against subtraction within and across runs.

    An open run's ballots are sealed, and a look before close followed by the final figure would isolate
    those who answered in between: so results show at close, complete, once. Within the run, segments use
    complementary suppression; across runs, a result is hidden when an earlier visible result of the same
    question covers an audience that differs from it by 1 to threshold-1 people (see overlap.py).
    """
    assert pulse.id is not None and run.id is not None
    kind = parse_kind(pulse.kind)
    threshold = effective_threshold(pulse.threshold)
    if run.status != "closed":
        responses = await count_responses(session, run.id)
        return RunView(
            results=hidden_results(pulse.id, kind, run.audience_size, responses),
            segments={},
            comments=[],
            scores=[],
            published=PublishedCut(responses={}, visible=frozenset(), total_visible=False),
            reason=f"Results show when the pulse closes ({_local(run.closes_at, zone)}), not before.",
        )
    answers: list[str] = []
    comments: list[str] = []
    by_segment: dict[str, list[str]] = {}
    rows = (
        await session.execute(
            select(col(PulseBallot.value), col(PulseBallot.comment), col(PulseBallot.segment))
            .where(col(PulseBallot.run_id) == run.id)
            .order_by(col(PulseBallot.value))
        )
    ).all()
    for value, comment, segment in rows:
        if value is not None:
            answers.append(value)
            by_segment.setdefault(segment or POOLED, []).append(value)
        if comment:
            comments.append(comment)
    cut = cut_results(
        pulse.id,
        kind,
        [SegmentAnswers(name, 0, values) for name, values in sorted(by_segment.items())],
        threshold,
    )
    decided = _decision_made(run)
    if decided is None:
        overlapping = await (history or History(session, run_view)).overlaps(pulse, run, cut.published)
        # A segment hidden for overlap would be total minus the others: then no segment shows.
        decided = ShownCut(
            total_visible=cut.published.total_visible and overlapping.total is None,
            visible=frozenset() if overlapping.segments else cut.published.visible,
            reason=overlapping.total,
        )
        run.published_cut = decided.as_json()
    total_visible, visible_segments = decided.total_visible, decided.visible
    published = PublishedCut(cut.published.responses, visible_segments, total_visible)
    results = pulse_results(
        pulse.id, kind, run.audience_size, answers, threshold, force_hidden=not total_visible
    )
    shown_comments = list(answers) if kind == "text" else comments
    return RunView(
        results=results,
        segments={name: cut.segments[name] for name in sorted(visible_segments) if name != POOLED},
        comments=visible_comments(shown_comments, len(answers), threshold) if total_visible else [],
        scores=[int(value) for value in answers] if kind == "enps" and total_visible else [],
        published=published,
        reason=decided.reason,
    )


@dataclass(frozen=True)
class ShownCut:
    """What a closed run's results show, decided once (at close) and kept with the run.

    The cross-run audit of a year of runs takes seconds, and every `clueline pulse results` is a new process:
    so the decision is stored, not worked out again. Kept, it also stays what was first shown: nothing that
    happens later (an import of older results) turns a hidden result into a shown one.
    """

    total_visible: bool
    visible: frozenset[str]
    reason: str | None

    def as_json(self) -> str:
        return json.dumps(
            {"total_visible": self.total_visible, "visible": sorted(self.visible), "reason": self.reason}
        )


def _decision_made(run: PulseRun) -> ShownCut | None:
    """The run's stored decision; None when it has none yet (closed before decisions were kept)."""
    if not run.published_cut:
        return None
    stored = json.loads(run.published_cut)
    return ShownCut(
        total_visible=bool(stored["total_visible"]),
        visible=frozenset(str(name) for name in stored["visible"]),
        reason=stored["reason"],
    )


async def results_post(
    session: AsyncSession, pulse: Pulse, view: RunView, heading: str = "Pulse results"
) -> OutboundMessage:
    """The results message: numbers, eNPS chart, trend across runs, visible comments."""
    results = view.results
    chart = None
    if pulse.kind == "enps" and not results["hidden"] and view.scores:
        chart = enps_chart(EnpsTally.from_scores(view.scores), title="eNPS")
    trend = await trend_points(session, pulse) if pulse.kind == "enps" else []
    trend_png = trend_chart(trend) if len(trend) >= 2 else None
    return render.results_message(
        pulse.question,
        results,
        effective_threshold(pulse.threshold),
        view.comments,
        chart,
        trend_png,
        heading,
        hidden_because=view.reason,
        trend=trend,
    )


async def trend_points(session: AsyncSession, pulse: Pulse) -> list[TrendPoint]:
    """eNPS of each closed run of a pulse, oldest first; None for runs below the threshold."""
    runs = await pulse_runs(session, pulse, status="closed")
    history = History(session, run_view)
    points = []
    for run in runs:
        view = await run_view(session, pulse, run, history)
        enps = view.results.get("enps")
        points.append(TrendPoint(day=run.scheduled_for.date(), enps=enps if isinstance(enps, int) else None))
    return points


async def pulse_runs(session: AsyncSession, pulse: Pulse, status: str | None = None) -> list[PulseRun]:
    """A pulse's runs, oldest first."""
    query = select(PulseRun).where(col(PulseRun.pulse_id) == pulse.id)
    if status is not None:
        query = query.where(col(PulseRun.status) == status)
    return list((await session.execute(query.order_by(col(PulseRun.scheduled_for)))).scalars().all())


async def latest_results(runtime: CoreServices, pulse_id: int) -> tuple[Pulse, RunView | None] | None:
    """A pulse and its newest run's results (None before its first run); None for an unknown pulse."""
    async with runtime.database.session() as session:
        pulse = await session.get(Pulse, pulse_id)
        if pulse is None:
            return None
        runs = await pulse_runs(session, pulse)
        if not runs:
            return pulse, None
        return pulse, await run_view(session, pulse, runs[-1], zone=runtime.settings.time_zone)


def _local(moment: datetime, zone: str) -> str:
    """A time as people here read it: in the company's zone (CLUELINE_TZ), named."""
    return f"{moment.astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M} {zone}"


def empty_results(pulse: Pulse) -> PulseResults:
    """The results of a pulse that has not run yet."""
    assert pulse.id is not None
    return pulse_results(pulse.id, parse_kind(pulse.kind), 0, [], effective_threshold(pulse.threshold))


@dataclass(frozen=True)
class ListedPulse:
    """A pulse as lists show it: how many runs it had, and its newest run's responses and opening time."""

    pulse: Pulse
    runs: int
    responses: int
    latest_opened: datetime | None
    latest_open: bool = False

    @property
    def state(self) -> str:
        """Where the pulse stands, as people read it: "open" (a run takes answers now), "scheduled" (no run
        yet), "waiting for its next run" (a recurring pulse between runs), "closed" or "sample"."""
        if self.pulse.status != "scheduled":
            return self.pulse.status
        if self.latest_open:
            return "open"
        return "waiting for its next run" if self.runs else "scheduled"


async def list_pulses(runtime: CoreServices, created_by: str | None = None) -> list[ListedPulse]:
    """Every pulse (or one person's) with its number of runs and its newest run's responses."""
    async with runtime.database.session() as session:
        query = select(Pulse).order_by(col(Pulse.id))
        if created_by is not None:
            query = query.where(col(Pulse.created_by) == created_by)
        pulses = list((await session.execute(query)).scalars().all())
        listed = []
        for pulse in pulses:
            runs = await pulse_runs(session, pulse)
            latest = runs[-1] if runs else None
            responses = await count_responses(session, latest.id) if latest and latest.id is not None else 0
            listed.append(
                ListedPulse(
                    pulse,
                    len(runs),
                    responses,
                    latest.opens_at if latest else None,
                    latest is not None and latest.status == "open",
                )
            )
        return listed


def pulse_summary(pulse: Pulse, runs: int) -> dict[str, object]:
    """A pulse as `clueline pulse list --json` prints it."""
    schedule: str
    if pulse.cron:
        schedule = f"every {pulse.cron} ({pulse.time_zone})"
    elif pulse.at:
        schedule = f"at {pulse.at.isoformat()}"
    else:
        schedule = "now"
    return {
        "id": pulse.id,
        "question": pulse.question,
        "kind": pulse.kind,
        "audience": json.loads(pulse.audience),
        "schedule": schedule,
        "status": pulse.status,
        "runs": runs,
        "threshold": pulse.threshold,
        "results_target": pulse.results_target,
    }


async def results_by_run(runtime: CoreServices, pulse_id: int) -> list[dict[str, object]]:
    """One row of results per run of a pulse, oldest first (for CSV export)."""
    async with runtime.database.session() as session:
        pulse = await session.get(Pulse, pulse_id)
        if pulse is None:
            return []
        rows: list[dict[str, object]] = []
        history = History(session, run_view)
        for run in await pulse_runs(session, pulse):
            view = await run_view(session, pulse, run, history)
            row: dict[str, object] = {
                "question": pulse.question,
                "run": run.scheduled_for.date().isoformat(),
                "status": run.status,
            }
            row.update(view.results)
            rows.append(row)
        return rows
