"""Differencing across runs: two results whose audiences differ by a few people expose those few.

eNPS 50 among 16 people and 71 among the same people but one tells the one left out was a detractor.
So a result (a run's total or a segment) is hidden, with a one-line reason, when an earlier visible
result of a question of the same kind (any wording, any pulse: "would you recommend working here?" reworded
is still eNPS) within the last 12 months covers an audience that differs from it by 1 to threshold-1 people;
or, when the two runs were open at the same time, a set of people who answered that differs so (one channel
asked twice at once, one person answering only the second). People who answered none of the results compared
are not counted as asked: they add to no figure, and would only pad an audience. Months apart, people's
answers change, and the same team answering 8 then 6 must still show. Identical audiences and respondents are fine: runs share no
ballots.
Earlier results are judged by the same rule, oldest first, so a hidden one protects nobody.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Final, Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.features.pulse.results import COMMENT_THRESHOLD, PulseResults, effective_threshold
from bot.features.pulse.suppression import PublishedCut, audit_audiences
from bot.features.pulse.tables import DELIVERED, Pulse, PulseInvitation, PulseRun

WINDOW: Final = timedelta(days=365)
WHOLE_RUN: Final = ""  # the audience key of a run's total, beside its segments' names

Audience = frozenset[str]


@dataclass(frozen=True)
class Asked:
    """Who a result covers: everyone asked, and those who answered."""

    invited: Audience = frozenset()
    answered: Audience = frozenset()
    # Whether its run was open while the run compared with it was: then who answered counts too.
    at_once: bool = False
    # How many people its own pulse promised to hide among (the comparison keeps the larger promise).
    threshold: int = 0


class ShownRun(Protocol):
    """What the overlap rule reads of an earlier run's results as shown (views.RunView)."""

    @property
    def results(self) -> PulseResults:
        """The run's total, hidden or not."""
        ...

    @property
    def segments(self) -> dict[str, PulseResults]:
        """The segments shown."""
        ...


# How a run's results are shown (views.run_view), handed in: showing a run asks History about earlier runs.
ShowRun = Callable[[AsyncSession, Pulse, PulseRun, "History"], Awaitable[ShownRun]]


@dataclass(frozen=True)
class Overlap:
    """What of a run's results another result would expose: the total (with the reason) and any segment."""

    total: str | None
    segments: bool


class History:
    """Results of earlier runs as shown, worked out once per request, oldest first."""

    def __init__(self, session: AsyncSession, show: ShowRun) -> None:
        self._session = session
        self._show = show
        self._views: dict[int, ShownRun] = {}

    async def overlaps(self, pulse: Pulse, run: PulseRun, cut: PublishedCut) -> Overlap:
        """Which of this run's visible cells differ by 1 to threshold-1 people from an earlier visible result."""
        assert run.id is not None
        threshold = protecting_threshold(pulse)
        earlier = await self._visible_audiences_before(pulse, run)
        audiences = await _audiences(self._session, run.id)
        # Someone who answered none of these results adds to no figure: counted as asked, they would pad an
        # audience (ids that cannot answer, people away) so that it seems to differ by many when its answers
        # differ by one.
        answering = frozenset[str]().union(*(asked.answered for asked in [*earlier, *audiences.values()]))

        def counted(asked: Asked) -> Audience:
            return asked.invited & answering

        before = [counted(asked) for asked in earlier]

        def differing(asked: Asked) -> int | None:
            # Each pair keeps the larger of its two promises: a later run at threshold 3 must not expose
            # three people an earlier run at 5 hid among five.
            found = []
            for other in earlier:
                limit = max(threshold, other.threshold) - 1
                sizes = [len(counted(asked) ^ counted(other))]
                sizes += [len(asked.answered ^ other.answered)] if other.at_once else []
                found += [size for size in sizes if 1 <= size <= limit]
            return min(found, default=None)

        total: str | None = None
        whole = audiences.get(WHOLE_RUN, Asked())
        people = differing(whole) if cut.total_visible else None
        if people is not None:
            total = (
                f"Hidden: an earlier result of this question covers an audience that differs from this one by "
                f"{people} {'person' if people == 1 else 'people'}, so comparing the two would expose them."
            )
        segments = any(differing(audiences[name]) is not None for name in cut.visible if name in audiences)
        threshold = max([threshold, *(asked.threshold for asked in earlier)])
        # Beyond pairs: several earlier results added and subtracted with this one (P, Q, then P+Q+x gives x).
        shown = (
            []
            if segments
            else [counted(audiences[name]) for name in sorted(cut.visible) if name in audiences]
        )
        if total is None and cut.total_visible and not _safe([*before, counted(whole), *shown], threshold):
            if shown and _safe([*before, counted(whole)], threshold):
                segments = True
            else:
                total = (
                    "Hidden: added to and subtracted from earlier results of this question, it would single "
                    f"out fewer than {threshold} people's answers."
                )
        elif total is None and shown and not _safe([*before, *shown], threshold):
            segments = True
        return Overlap(total=total, segments=segments)

    async def view(self, pulse: Pulse, run: PulseRun) -> ShownRun:
        """A run's results as shown, remembered for this request."""
        assert run.id is not None
        if run.id not in self._views:
            self._views[run.id] = await self._show(self._session, pulse, run, self)
        return self._views[run.id]

    async def _visible_audiences_before(self, pulse: Pulse, run: PulseRun) -> list[Asked]:
        found: list[Asked] = []
        for other_pulse, other_run in await self._earlier_runs(pulse, run):
            assert other_run.id is not None
            view = await self.view(other_pulse, other_run)
            at_once = other_run.closes_at > run.opens_at
            audiences = {
                name: replace(asked, at_once=at_once, threshold=protecting_threshold(other_pulse))
                for name, asked in (await _audiences(self._session, other_run.id)).items()
            }
            if not view.results["hidden"]:
                found.append(audiences.get(WHOLE_RUN, Asked()))
            found += [audiences.get(name, Asked()) for name in view.segments]
        return found

    async def _earlier_runs(self, pulse: Pulse, run: PulseRun) -> list[tuple[Pulse, PulseRun]]:
        rows = (
            await self._session.execute(
                select(Pulse, PulseRun)
                .join(PulseRun, col(PulseRun.pulse_id) == col(Pulse.id))
                .where(
                    col(Pulse.kind) == pulse.kind,
                    col(PulseRun.status) == "closed",
                    col(PulseRun.closes_at) >= run.closes_at - WINDOW,
                    col(PulseRun.closes_at) <= run.closes_at,
                    col(PulseRun.id) != run.id,
                )
                .order_by(col(PulseRun.closes_at), col(PulseRun.id))
            )
        ).all()
        return [
            (other_pulse, other_run)
            for other_pulse, other_run in rows
            if (other_run.closes_at, other_run.id or 0) < (run.closes_at, run.id or 0)
        ]


def protecting_threshold(pulse: Pulse) -> int:
    """How many people a pulse's results hide each answer among: its threshold; for written answers, shown only
    from COMMENT_THRESHOLD, that (two text runs to 10 and 15 people would give the five newcomers' words)."""
    threshold = effective_threshold(pulse.threshold)
    return max(threshold, COMMENT_THRESHOLD) if pulse.kind == "text" else threshold


def _safe(audiences: list[Audience], threshold: int) -> bool:
    """Whether no sum and difference of results over these audiences isolates fewer than `threshold` people."""
    return audit_audiences(audiences, threshold) == "safe"


async def _audiences(session: AsyncSession, run_id: int) -> dict[str, Asked]:
    """Who was asked in a run and who answered: everyone (under WHOLE_RUN) and per segment.

    Asked means reached: someone whose invitation never went out (the run closed first, or it failed) could
    not answer, and the report to the pulse's creator names them. Counted as asked, they would make two runs
    to the same channel seem alike while one lacks exactly that person's answer.
    """
    rows = (
        await session.execute(
            select(
                col(PulseInvitation.person),
                col(PulseInvitation.segment),
                col(PulseInvitation.answered),
                col(PulseInvitation.delivery_status),
            ).where(col(PulseInvitation.run_id) == run_id)
        )
    ).all()
    invited: dict[str, set[str]] = {WHOLE_RUN: set()}
    answered: dict[str, set[str]] = {WHOLE_RUN: set()}
    for person, segment, has_answered, delivery in rows:
        if delivery != DELIVERED and not has_answered:
            continue
        for name in (WHOLE_RUN, segment) if segment else (WHOLE_RUN,):
            invited.setdefault(name, set()).add(person)
            if has_answered:
                answered.setdefault(name, set()).add(person)
    return {
        name: Asked(frozenset(people), frozenset(answered.get(name, set())))
        for name, people in invited.items()
    }
