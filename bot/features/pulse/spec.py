"""Creating a pulse: checking what a comms lead asked for, with an example for every mistake."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final, TypeVar

from bot.core.targets import names_a_person, parse_target
from bot.features.pulse.audience import AUDIENCE_EXAMPLE, AudienceError, parse_audience
from bot.features.pulse.questions import InvalidQuestion, PulseKind, resolve_question
from bot.features.pulse.results import (
    COMMENT_THRESHOLD,
    DEFAULT_THRESHOLD,
    ThresholdError,
    validate_threshold,
)
from bot.features.pulse.schedule import (
    ScheduleError,
    build_schedule,
    duration_words,
    parse_duration,
    shortest_gap,
)

DEFAULT_CLOSES_AFTER: Final = timedelta(days=3)
_T = TypeVar("_T")


class PulseInputError(ValueError):
    """A pulse that cannot be created as asked; the message says why and shows a valid example."""


@dataclass(frozen=True)
class PulseSpec:
    """A validated request to create a pulse."""

    question: str
    kind: PulseKind
    audience: list[str]
    at: datetime | None
    cron: str | None
    time_zone: str | None
    skip_weekends: bool
    recipient_local_time: bool
    closes_after: timedelta
    reminder_after: timedelta | None
    threshold: int
    results_target: str | None
    created_by: str


def overlapping_runs(spec: PulseSpec, now: datetime) -> str | None:
    """Why a recurring pulse's runs would be open at once for the same people (each stays open longer than the
    time to the next run), as a sentence with a duration that fits; None when they follow one another."""
    if spec.cron is None or spec.time_zone is None:
        return None
    gap = shortest_gap(spec.cron, spec.time_zone, now, skip_weekends=spec.skip_weekends)
    if spec.closes_after <= gap:
        return None
    return (
        f"each run stays open {duration_words(spec.closes_after)} but the next one starts as soon as "
        f"{duration_words(gap)} later, so two runs are open at once for the same people; "
        f"e.g. close after {duration_words(gap)}"
    )


def never_shown(spec: PulseSpec) -> str | None:
    """Why a pulse to named people could never show results (fewer of them than answers needed); else None."""
    if not all(names_a_person(parse_target(entry)) for entry in spec.audience):
        return None  # a channel's members are counted when each run opens (see the report to the creator)
    need = max(spec.threshold, COMMENT_THRESHOLD) if spec.kind == "text" else spec.threshold
    named = len(set(spec.audience))
    if named >= need:
        return None
    return f"it names {named} {'person' if named == 1 else 'people'}, and its results show from {need} answers, so they never will"


def creation_notes(spec: PulseSpec, now: datetime) -> list[str]:
    """What to tell the creator of a pulse that was created but may not do what they meant."""
    return [note for note in (overlapping_runs(spec, now), never_shown(spec)) if note is not None]


def build_spec(
    *,
    question: str,
    kind: str | None,
    audience: Sequence[str],
    created_by: str,
    at: str | None = None,
    every: str | None = None,
    tz: str | None = None,
    closes_after: str | None = None,
    reminder_after: str | None = None,
    threshold: int | None = None,
    results_target: str | None = None,
    skip_weekends: bool = False,
    recipient_local_time: bool = False,
    now: datetime | None = None,
    audience_example: str = AUDIENCE_EXAMPLE,
) -> PulseSpec:
    """Check everything a pulse needs; PulseInputError names every field's problem, each with an example (a
    form refused for three fields is fixed in one go, not three).

    Given `now`, a one-off time already past is refused: sent at once, it would surprise whoever set it.
    """
    problems: list[str] = []

    def checked(read: Callable[[], _T]) -> _T | None:
        try:
            return read()
        except (InvalidQuestion, AudienceError, ScheduleError, ThresholdError, ValueError) as exc:
            problems.append(str(exc))  # ValueError: a bad results TARGET
            return None

    resolved = checked(lambda: resolve_question(question, kind))
    targets = checked(lambda: parse_audience(list(audience), audience_example))
    schedule = checked(
        lambda: build_schedule(
            at, every, tz, skip_weekends=skip_weekends, recipient_local_time=recipient_local_time
        )
    )
    closes = checked(lambda: parse_duration(closes_after)) if closes_after else DEFAULT_CLOSES_AFTER
    remind = checked(lambda: parse_duration(reminder_after)) if reminder_after else None
    limit = checked(lambda: validate_threshold(threshold))
    results = checked(lambda: str(parse_target(results_target))) if results_target else None
    if problems:
        raise PulseInputError(" ".join(problems))
    assert resolved is not None and targets is not None and closes is not None and limit is not None
    if limit < DEFAULT_THRESHOLD and any(names_a_person(parse_target(target)) for target in targets):
        # Named people can be picked so that colluders know all but one answer: a low threshold then names them.
        raise PulseInputError(
            f"A pulse sent to named people needs a threshold of at least {DEFAULT_THRESHOLD}; "
            f"e.g. a threshold of {DEFAULT_THRESHOLD}, or send it to a channel."
        )
    if now is not None and schedule is not None and schedule.at is not None and schedule.at <= now:
        raise PulseInputError(
            f"The time {schedule.at.astimezone(UTC):%Y-%m-%d %H:%M} UTC is in the past: it is now "
            f"{now.astimezone(UTC):%Y-%m-%d %H:%M} UTC. Give a later time, or none to send it now."
        )
    if remind is not None and remind >= closes:
        raise PulseInputError(
            "The reminder would come after the pulse closes; e.g. close after 3d with a reminder after 1d."
        )
    return PulseSpec(
        question=resolved.text,
        kind=resolved.kind,
        audience=targets,
        at=schedule.at if schedule else None,
        cron=schedule.cron if schedule else None,
        time_zone=schedule.tz if schedule else tz,
        skip_weekends=skip_weekends,
        recipient_local_time=recipient_local_time,
        closes_after=closes,
        reminder_after=remind,
        threshold=limit,
        results_target=results,
        created_by=created_by,
    )
