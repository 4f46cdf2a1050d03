"""The pulse question library, question resolution and answer validation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal, get_args

PulseKind = Literal["enps", "scale", "yesno", "text"]
PULSE_KINDS: Final[tuple[PulseKind, ...]] = get_args(PulseKind)

MAX_QUESTION_LENGTH: Final = 300
MAX_TEXT_ANSWER_LENGTH: Final = 2000

ENPS_CHOICES: Final = tuple(str(score) for score in range(11))
SCALE_CHOICES: Final = ("1", "2", "3", "4", "5")
YESNO_CHOICES: Final = ("yes", "no")

AnswerValue = int | str


class InvalidQuestion(ValueError):
    """A question or kind that cannot be asked; the message says what would work."""


class InvalidAnswer(ValueError):
    """An answer value that does not fit the question's kind; the message says what would."""


@dataclass(frozen=True)
class PulseQuestion:
    """What is asked, how it is answered, and the one-tap choices (empty for free text)."""

    text: str
    kind: PulseKind
    choices: tuple[str, ...]


def choices_for(kind: PulseKind) -> tuple[str, ...]:
    """The answer buttons for a kind; free text has none."""
    return {"enps": ENPS_CHOICES, "scale": SCALE_CHOICES, "yesno": YESNO_CHOICES, "text": ()}[kind]


def _question(text: str, kind: PulseKind) -> PulseQuestion:
    return PulseQuestion(text=text, kind=kind, choices=choices_for(kind))


ENPS_QUESTION: Final = _question("Would you refer a friend to work here?", "enps")

LIBRARY: Final[dict[str, PulseQuestion]] = {
    "enps": ENPS_QUESTION,
    "obstacles": _question("What gets in the way of doing your job well?", "text"),
    "ceo-for-a-day": _question("If you were CEO for a day, what one thing would you change?", "text"),
    "workload": _question("How manageable was your workload this week? (1 = not at all, 5 = fully)", "scale"),
    "clear-priorities": _question("Do you know what is expected of you this week?", "yesno"),
}
"""Library keys a comms lead may pass instead of writing a question (`--question enps`)."""


def parse_kind(kind: str) -> PulseKind:
    """Return the kind named by `kind`, or refuse with the list of valid kinds."""
    normalized = kind.strip().lower()
    for known in PULSE_KINDS:
        if normalized == known:
            return known
    raise InvalidQuestion(f"Unknown question kind {kind!r}; use one of: {', '.join(PULSE_KINDS)}.")


def resolve_question(question: str, kind: str | None) -> PulseQuestion:
    """Turn `--question` and `--kind` into a question: a library key or library wording, or custom text.

    A custom question without a kind is free text, since nothing else is known about its answers; one word
    without a question mark is refused as a mistyped key.
    """
    wanted_kind = parse_kind(kind) if kind is not None else None
    text = " ".join(question.split())
    if not text:
        raise InvalidQuestion("The question is empty; write a question or use a library one such as 'enps'.")
    library_match = LIBRARY.get(text.lower()) or next(
        (entry for entry in LIBRARY.values() if entry.text.lower() == text.lower()), None
    )
    if library_match is not None:
        if wanted_kind is not None and wanted_kind != library_match.kind:
            raise InvalidQuestion(
                f"{text!r} is a library question of kind {library_match.kind!r}, not {wanted_kind!r}; "
                "leave out --kind or write your own question."
            )
        return library_match
    if " " not in text and not text.endswith("?"):
        # One word and no question mark is a library key mistyped ("enpss"), not a question to send out now.
        raise InvalidQuestion(
            f"{text!r} is no library question ({', '.join(LIBRARY)}); a question of your own is a sentence, "
            "such as 'How was your week?'."
        )
    if len(text) > MAX_QUESTION_LENGTH:
        raise InvalidQuestion(f"The question is {len(text)} characters; keep it to {MAX_QUESTION_LENGTH}.")
    return _question(text, wanted_kind or "text")


def validate_answer(kind: PulseKind, value: object) -> AnswerValue:
    """Return the normalized answer (int score, 'yes'/'no', or stripped text) or refuse it."""
    if kind in ("enps", "scale"):
        low, high = (0, 10) if kind == "enps" else (1, 5)
        score = _as_int(value)
        # The refusal never repeats what was typed: a reply held in the outbox (rate limits) is stored beside
        # the person's DM, and "9/10, love the team" is their answer.
        if score is None or not low <= score <= high:
            raise InvalidAnswer(
                f"That is not an answer to this question: it takes a whole number from {low} to {high}."
            )
        return score
    if kind == "yesno":
        word = value.strip().lower() if isinstance(value, str) else None
        if word not in YESNO_CHOICES:
            raise InvalidAnswer("An answer to this question is 'yes' or 'no'.")
        return word
    return _validate_text(value, "answer")


def validate_comment(comment: object) -> str | None:
    """Return the optional comment after a score, stripped, or None when it is blank."""
    if comment is None or (isinstance(comment, str) and not comment.strip()):
        return None
    return _validate_text(comment, "comment")


def _validate_text(value: object, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidAnswer(f"The {what} is empty; write a few words.")
    text = value.strip()
    if len(text) > MAX_TEXT_ANSWER_LENGTH:
        # Not its length: that would be stored beside the person too (see validate_answer).
        raise InvalidAnswer(f"The {what} is longer than {MAX_TEXT_ANSWER_LENGTH} characters; shorten it.")
    return text


def _as_int(value: object) -> int | None:
    # bool is an int subclass; True is not a score.
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value.strip())
    return None
