"""Importing a file of feedback: all of it in one transaction, or none and each refused line's reason."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from bot.customer_voice.items import FeedbackItem, InvalidFeedback
from bot.features.feedback.intake import FeedbackIntake
from bot.features.feedback.reading import FeedbackFileReader, Verdict


@dataclass(frozen=True)
class Importing:
    """What an import needs: the intake that validates and stores items, the reader of import files."""

    intake: FeedbackIntake
    reader: FeedbackFileReader


@dataclass
class ImportReport:
    """Counts of an import and the lines refused, with why; any refused line means nothing was stored."""

    accepted: int = 0
    duplicates: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        """The report as `--json` prints it."""
        return {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": [{"line": line, "reason": reason} for line, reason in self.rejected],
            "stored": self.stored,
        }

    @property
    def stored(self) -> bool:
        """Whether the file's items were stored (none are when any line was refused)."""
        return not self.rejected


async def import_verdicts(
    intake: FeedbackIntake,
    verdicts: Iterable[tuple[int, Verdict]],
    progress: Callable[[int], None] | None = None,
    transform: Callable[[FeedbackItem], FeedbackItem] | None = None,
) -> ImportReport:
    """All or nothing, as the webhook: every line good, all stored in one transaction; else none, and why."""
    report = ImportReport()
    items: list[FeedbackItem] = []
    for line, verdict in verdicts:
        if isinstance(verdict, InvalidFeedback):
            report.rejected.append((line, verdict.reason))
        elif not report.rejected:  # once a line is refused nothing is stored: no need to keep the rest
            items.append(transform(verdict) if transform else verdict)
        if progress is not None:
            progress(1)
    if report.rejected:
        return report
    result = await intake.accept(items)
    report.accepted, report.duplicates = result.accepted, result.duplicates
    return report
