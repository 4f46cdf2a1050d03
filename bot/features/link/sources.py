"""What the link reads of customers and employees, as the link reads it: handed to its setup() by the root.

The feedback and pulse features implement these without knowing the link (bot/app.py wires them), so the
link imports neither: it asks for items and filters, closed runs and the pulse's anonymity rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.customer_voice.filters import ItemFilter, UsedLabels
from bot.customer_voice.items import FeedbackItem


class CustomerVoice(Protocol):
    """Customer feedback: items of a span, the filters of the routes to some channels, and taking items in."""

    async def items_between(self, start: datetime, end: datetime) -> Sequence[FeedbackItem]:
        """Items received in [start, end), oldest first."""
        ...

    async def filters_to(self, targets: set[str]) -> Sequence[ItemFilter]:
        """The filters of the routes that post to any of these TARGETs."""
        ...

    async def used_labels(self) -> UsedLabels | None:
        """The products and tags stored feedback carries (None before any feedback)."""
        ...

    async def accept(self, items: Sequence[FeedbackItem]) -> object:
        """Store items (the demo's history)."""
        ...


class ClosedRun(Protocol):
    """A closed pulse run: when it closed, its threshold, whom it asked, its answers with segment labels."""

    @property
    def run_id(self) -> int:
        """The run's id."""
        ...

    @property
    def closes_at(self) -> datetime:
        """When it closed; it stands for the ballots' date (they have none)."""
        ...

    @property
    def threshold(self) -> int:
        """Answers a cell needs to show."""
        ...

    @property
    def audience(self) -> tuple[str, ...]:
        """The TARGETs it asked."""
        ...

    @property
    def answers(self) -> tuple[tuple[str | None, str], ...]:
        """(segment label, value) pairs, sorted: their order says nothing."""
        ...


class AnonymityRules(Protocol):
    """The pulse's rules for showing employee figures: suppression, eNPS, when comments may show."""

    @property
    def comment_threshold(self) -> int:
        """The fewest answers for which comments (and their themes) show."""
        ...

    def visible_cells(
        self,
        atoms: Mapping[str, int],
        cells: Mapping[str, frozenset[str]],
        threshold: int,
        *,
        published: Sequence[frozenset[str]],
        last: str,
    ) -> frozenset[str]:
        """Which cells (sums of atoms) may show, after primary and complementary suppression."""
        ...

    def enps(self, scores: Iterable[int]) -> tuple[int | None, int]:
        """The eNPS of 0-10 scores and how many there are."""
        ...


class EmployeeVoice(AnonymityRules, Protocol):
    """Closed pulse runs, and writing earlier ones (the demo's history), under the pulse's rules."""

    async def closed_runs(self, kind: str, start: datetime, end: datetime) -> Sequence[ClosedRun]:
        """The closed runs of pulses of `kind` ("enps", "text") that closed in [start, end), oldest first."""
        ...

    async def record_closed_run(
        self, question: str, answers: Mapping[str, Sequence[int]], closes_at: datetime
    ) -> int:
        """Write an earlier, already closed eNPS run; its pulse's id."""
        ...


@dataclass(frozen=True)
class LinkSources:
    """Everything the link reads of the other features."""

    customers: CustomerVoice
    employees: EmployeeVoice
