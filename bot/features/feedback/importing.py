"""Importing a file of feedback: accepted in batches, rejected lines reported with their reasons."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.features.feedback.intake import FeedbackIntake
from bot.features.feedback.items import FeedbackItem, InvalidFeedback
from bot.features.feedback.reading import Verdict

if TYPE_CHECKING:
    from collections.abc import Sequence

BATCH = 500


@dataclass
class ImportReport:
    """Counts of an import and the lines refused, with why."""

    accepted: int = 0
    duplicates: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        """The report as `--json` prints it."""
        return {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": [{"line": line, "reason": reason} for line, reason in self.rejected],
        }


async def import_verdicts(
    intake: FeedbackIntake,
    verdicts: Iterable[tuple[int, Verdict]],
    progress: Callable[[int], None] | None = None,
    transform: Callable[[FeedbackItem], FeedbackItem] | None = None,
) -> ImportReport:
    """Accept the good lines in batches (each batch all or nothing); collect the refused ones."""
    report = ImportReport()
    batch: list[FeedbackItem] = []

    async def flush(items: Sequence[FeedbackItem]) -> None:
        result = await intake.accept(items)
        report.accepted += result.accepted
        report.duplicates += result.duplicates
        if progress is not None:
            progress(len(items))

    for line, verdict in verdicts:
        if isinstance(verdict, InvalidFeedback):
            report.rejected.append((line, verdict.reason))
            if progress is not None:
                progress(1)
            continue
        batch.append(transform(verdict) if transform else verdict)
        if len(batch) >= BATCH:
            await flush(batch)
            batch = []
    if batch:
        await flush(batch)
    return report
