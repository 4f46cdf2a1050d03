"""Pulse results: eNPS arithmetic, the reporting threshold, and the CONTRACT's results shapes.

eNPS = %promoters - %detractors, rounded half away from zero to an int (so 12.5 -> 13 and
-12.5 -> -13, unlike Python's round, which rounds half to even). Promoters answer 9-10, passives 7-8,
detractors 0-6. While responses are fewer than the threshold, only `audience` and `responses` carry
numbers; comments need at least COMMENT_THRESHOLD responses.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Final, Literal, TypedDict

from bot.features.pulse.questions import SCALE_CHOICES, AnswerValue, PulseKind, validate_answer

PulseId = int | str
EnpsGroup = Literal["promoter", "passive", "detractor"]

DEFAULT_THRESHOLD: Final = 5
MIN_THRESHOLD: Final = 3
# No audience is larger (and a larger number would not fit the database's integer).
MAX_THRESHOLD: Final = 1_000_000
COMMENT_THRESHOLD: Final = 10


class ThresholdError(ValueError):
    """A reporting threshold below the minimum."""


class EnpsResults(TypedDict):
    """`clueline pulse results --json` for an eNPS pulse."""

    pulse: PulseId
    audience: int
    responses: int
    hidden: bool
    enps: int | None
    promoters: int | None
    passives: int | None
    detractors: int | None


class ScaleResults(TypedDict):
    """Results of a 1-5 scale pulse: how many chose each point."""

    pulse: PulseId
    audience: int
    responses: int
    hidden: bool
    distribution: dict[str, int] | None
    mean: float | None


class YesNoResults(TypedDict):
    """Results of a yes/no pulse."""

    pulse: PulseId
    audience: int
    responses: int
    hidden: bool
    yes: int | None
    no: int | None


class TextResults(TypedDict):
    """Results of a free-text pulse: the comments themselves come from `visible_comments`."""

    pulse: PulseId
    audience: int
    responses: int
    hidden: bool
    comments: int | None


PulseResults = EnpsResults | ScaleResults | YesNoResults | TextResults


@dataclass(frozen=True)
class EnpsTally:
    """How many promoters, passives and detractors answered."""

    promoters: int = 0
    passives: int = 0
    detractors: int = 0

    @classmethod
    def from_scores(cls, scores: Iterable[int]) -> EnpsTally:
        """Count 0-10 scores into the three groups."""
        groups = [enps_group(score) for score in scores]
        return cls(groups.count("promoter"), groups.count("passive"), groups.count("detractor"))

    @property
    def responses(self) -> int:
        """All answers counted."""
        return self.promoters + self.passives + self.detractors

    @property
    def enps(self) -> int | None:
        """The eNPS of this tally, None when nobody answered."""
        return enps_score(self.promoters, self.passives, self.detractors)


def validate_threshold(threshold: int | None) -> int:
    """The reporting threshold to use: the default when None; refused below MIN_THRESHOLD."""
    if threshold is None:
        return DEFAULT_THRESHOLD
    if isinstance(threshold, bool) or threshold < MIN_THRESHOLD:
        raise ThresholdError(
            f"The threshold must be at least {MIN_THRESHOLD} (default {DEFAULT_THRESHOLD}) "
            "to keep answers anonymous."
        )
    if threshold > MAX_THRESHOLD:
        raise ThresholdError(
            f"The threshold must be at most {MAX_THRESHOLD:,} (default {DEFAULT_THRESHOLD})."
        )
    return threshold


def effective_threshold(threshold: int | None) -> int:
    """The threshold stored data asks for, raised to MIN_THRESHOLD if it is somehow lower."""
    return DEFAULT_THRESHOLD if threshold is None else max(MIN_THRESHOLD, threshold)


def enps_group(score: int) -> EnpsGroup:
    """Which eNPS group a 0-10 score belongs to."""
    if isinstance(score, bool) or not 0 <= score <= 10:
        raise ValueError(f"an eNPS score is 0-10, got {score!r}")
    if score >= 9:
        return "promoter"
    return "passive" if score >= 7 else "detractor"


def enps_score(promoters: int, passives: int, detractors: int) -> int | None:
    """%promoters - %detractors rounded half away from zero; None for no responses."""
    if min(promoters, passives, detractors) < 0:
        raise ValueError("counts cannot be negative")
    total = promoters + passives + detractors
    if total == 0:
        return None
    exact = Fraction(100 * (promoters - detractors), total)
    return round_half_away_from_zero(exact)


def round_half_away_from_zero(value: Fraction) -> int:
    """Round to the nearest int, halves away from zero."""
    magnitude = int(abs(value) + Fraction(1, 2))
    return magnitude if value >= 0 else -magnitude


def is_hidden(responses: int, threshold: int | None = DEFAULT_THRESHOLD) -> bool:
    """Whether results must be hidden at this many responses."""
    return responses < effective_threshold(threshold)


def too_few_answered(results: PulseResults, threshold: int | None) -> str:
    """Why results below the threshold stay hidden, in the words of the number they need."""
    if "comments" in results:  # written answers: they show only from COMMENT_THRESHOLD
        need = max(COMMENT_THRESHOLD, effective_threshold(threshold))
        return (
            f"Fewer than {need} people answered, so the written answers stay hidden (they show from {need})."
        )
    return f"Fewer than {effective_threshold(threshold)} people answered, so the results stay hidden."


def comments_visible(responses: int, threshold: int | None = DEFAULT_THRESHOLD) -> bool:
    """Whether comments may be shown: at least COMMENT_THRESHOLD responses, and never below the threshold."""
    return responses >= max(COMMENT_THRESHOLD, effective_threshold(threshold))


def visible_comments(
    comments: Iterable[str | None], responses: int, threshold: int | None = DEFAULT_THRESHOLD
) -> list[str]:
    """The non-empty comments to show, sorted so their order says nothing about when they were written.

    They show only when at least as many people *commented* as the comment threshold asks: who commented is
    known to whoever reads the invitations while the run is open (each comment flips its author's flag), so
    one comment among ten answers would be one of the few who commented, not one of ten.
    """
    written = sorted(comment.strip() for comment in comments if comment and comment.strip())
    if not comments_visible(responses, threshold) or not comments_visible(len(written), threshold):
        return []
    return written


def enps_results(
    pulse: PulseId,
    audience: int,
    scores: Sequence[int],
    threshold: int | None = DEFAULT_THRESHOLD,
    *,
    force_hidden: bool = False,
) -> EnpsResults:
    """The CONTRACT's eNPS results for 0-10 scores; only audience and responses carry numbers when hidden."""
    tally = EnpsTally.from_scores(scores)
    hidden = force_hidden or is_hidden(tally.responses, threshold)
    return EnpsResults(
        pulse=pulse,
        audience=audience,
        responses=tally.responses,
        hidden=hidden,
        enps=None if hidden else tally.enps,
        promoters=None if hidden else tally.promoters,
        passives=None if hidden else tally.passives,
        detractors=None if hidden else tally.detractors,
    )


def hidden_results(pulse: PulseId, kind: PulseKind, audience: int, responses: int) -> PulseResults:
    """The results shape with only audience and responses: for a run whose answers are not yet opened."""
    shown = pulse_results(pulse, kind, audience, [], force_hidden=True)
    return {**shown, "responses": responses}  # type: ignore[return-value]


def pulse_results(
    pulse: PulseId,
    kind: PulseKind,
    audience: int,
    answers: Sequence[AnswerValue],
    threshold: int | None = DEFAULT_THRESHOLD,
    *,
    force_hidden: bool = False,
) -> PulseResults:
    """The results shape of CONTRACT.md for `kind`; only audience and responses carry numbers when hidden.

    `force_hidden` hides results above the threshold too, for cells that complementary suppression hides.
    """
    values = [validate_answer(kind, answer) for answer in answers]
    responses = len(values)
    hidden = force_hidden or is_hidden(responses, threshold)
    if kind == "enps":
        return enps_results(pulse, audience, [int(value) for value in values], threshold, force_hidden=hidden)
    if kind == "scale":
        distribution = {
            choice: sum(1 for value in values if str(value) == choice) for choice in SCALE_CHOICES
        }
        mean = round(sum(int(value) for value in values) / responses, 2) if responses else None
        return ScaleResults(
            pulse=pulse,
            audience=audience,
            responses=responses,
            hidden=hidden,
            distribution=None if hidden else distribution,
            mean=None if hidden else mean,
        )
    if kind == "yesno":
        return YesNoResults(
            pulse=pulse,
            audience=audience,
            responses=responses,
            hidden=hidden,
            yes=None if hidden else values.count("yes"),
            no=None if hidden else values.count("no"),
        )
    # Written answers are the result itself, and they show only from COMMENT_THRESHOLD: below it, "hidden: no"
    # with nothing to read would say the answers were shown.
    hidden = hidden or not comments_visible(responses, threshold)
    return TextResults(
        pulse=pulse,
        audience=audience,
        responses=responses,
        hidden=hidden,
        comments=None if hidden else responses,
    )
