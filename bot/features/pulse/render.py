"""How a pulse looks: the invitation, reminders, thanks, forms, results posts and reports (texts in `texts`)."""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Final, Literal

from bot.core.markdown import escape
from bot.core.types import (
    Block,
    Button,
    Buttons,
    ContextLine,
    Fields,
    Form,
    Image,
    OutboundMessage,
    Text,
    TextInput,
)
from bot.features.pulse.questions import LIBRARY, PULSE_KINDS, PulseKind, choices_for
from bot.features.pulse.results import COMMENT_THRESHOLD, PulseResults, too_few_answered
from bot.features.pulse.texts import STORED_STATEMENT

if TYPE_CHECKING:
    from bot.features.pulse.chart import TrendPoint

ANSWER_ACTION: Final = "pulse.answer."
WRITE_ACTION: Final = "pulse.write"
TEXT_FORM: Final = "pulse.textform:"
ADD_COMMENT_ACTION: Final = "pulse.addcomment"
COMMENT_FORM: Final = "pulse.commentform:"
CREATE_FORM: Final = "pulse.create"
# The button under a refused new-pulse form: the form again, filled in with what was typed.
REFILL_ACTION: Final = "pulse.refill"
REFILL_LABEL: Final = "Fix it"
WRITE_LABEL: Final = "Write my answer"
ADD_COMMENT_LABEL: Final = "Add a comment"

_LABELS: Final = {"yes": "Yes", "no": "No"}
_RESULT_LABELS: Final = {
    "enps": "eNPS",
    "promoters": "Promoters",
    "passives": "Passives",
    "detractors": "Detractors",
    "yes": "Yes",
    "no": "No",
    "mean": "Mean",
}


def rules(threshold: int, kind: PulseKind | None = None) -> str:
    """The result rules, in one sentence (a written pulse's answers are comments, shown by the comments' rule)."""
    comments = max(COMMENT_THRESHOLD, threshold)
    if kind == "text":
        return f"Answers appear when the pulse closes, if at least {comments} people answered."
    return (
        f"Results appear when the pulse closes, if at least {threshold} people answered; "
        f"comments if at least {comments} people commented."
    )


def _rows(buttons: list[Button], per_row: int) -> list[Block]:
    size = max(1, per_row)
    return [Buttons(buttons=buttons[start : start + size]) for start in range(0, len(buttons), size)]


def answer_blocks(kind: PulseKind, token: str, per_row: int) -> list[Block]:
    """One-tap buttons for a score or yes/no; a button that opens a form for free text."""
    if kind == "text":
        return [Buttons(buttons=[Button(label=WRITE_LABEL, action_id=WRITE_ACTION, value=token)])]
    buttons = [
        Button(label=_LABELS.get(choice, choice), action_id=ANSWER_ACTION + choice, value=token)
        for choice in choices_for(kind)
    ]
    return _rows(buttons, per_row)


def _scale_hint(kind: PulseKind) -> str | None:
    if kind == "enps":
        return "0 = not at all likely, 10 = extremely likely."
    if kind == "scale":
        return "1 = not at all, 5 = completely."
    if kind == "text":
        return "Reply with **pulse answer** and your words if the button does nothing here."
    return None


def invitation(question: str, kind: PulseKind, token: str, threshold: int, per_row: int) -> OutboundMessage:
    """The DM that asks the question."""
    question = escape(question)
    blocks: list[Block] = [Text(text="A quick anonymous pulse question", emphasis=True), Text(text=question)]
    hint = _scale_hint(kind)
    if hint:
        blocks.append(ContextLine(text=hint))
    blocks += answer_blocks(kind, token, per_row)
    blocks += [ContextLine(text=STORED_STATEMENT), ContextLine(text=rules(threshold, kind))]
    return OutboundMessage(text=f"Pulse question: {question}", blocks=blocks)


def reminder(question: str, kind: PulseKind, token: str, threshold: int, per_row: int) -> OutboundMessage:
    """A reminder to someone who has not answered yet."""
    original = invitation(question, kind, token, threshold, per_row)
    blocks: list[Block] = [Text(text="A gentle reminder: this pulse is still open.", emphasis=True)]
    return OutboundMessage(text=f"Reminder: {escape(question)}", blocks=blocks + list(original.blocks[1:]))


def thanks(kind: PulseKind, token: str, threshold: int) -> OutboundMessage:
    """What replaces the buttons once the answer is in; it repeats neither the answer nor how many answered."""
    blocks: list[Block] = [
        Text(text="Thank you! Your answer is recorded anonymously."),
        ContextLine(text=rules(threshold, kind)),
    ]
    if kind != "text":
        blocks.append(
            Buttons(buttons=[Button(label=ADD_COMMENT_LABEL, action_id=ADD_COMMENT_ACTION, value=token)])
        )
    text = f"Thank you! Your answer is recorded anonymously. {rules(threshold, kind)}"
    return OutboundMessage(text=text, blocks=blocks)


def comment_thanks() -> OutboundMessage:
    """What replaces the comment button once a comment is in."""
    return OutboundMessage.plain("Thank you! Your comment is recorded anonymously, apart from your score.")


def text_form(question: str, token: str) -> Form:
    """The form of a free-text answer."""
    return Form(
        callback_id=TEXT_FORM + token,
        title="Pulse",
        blocks=[
            Text(text=escape(question)),
            TextInput(action_id="answer", label="Your answer", multiline=True),
        ],
        submit_label="Send anonymously",
    )


def comment_form(token: str) -> Form:
    """The form of an optional comment after a score."""
    return Form(
        callback_id=COMMENT_FORM + token,
        title="Pulse comment",
        blocks=[
            Text(text="Anything you'd like to add? It is stored apart from your score and from you."),
            TextInput(action_id="comment", label="Comment", multiline=True),
        ],
        submit_label="Send anonymously",
    )


def create_form(here: str, typed: Mapping[str, str] | None = None) -> Form:
    """The form a comms lead fills in to create a pulse; `here` is the TARGET of the chat it was opened from,
    the example of an audience and of a place for results that works on this platform. Given what was typed
    into it before (`typed`, a refused submission), it opens filled in with that."""
    from bot.core.types import Choice, Option

    before = typed or {}

    def text(
        action_id: str,
        label: str,
        *,
        placeholder: str = "",
        optional: bool = False,
        asked_when: tuple[str, str] | None = None,
        picks: Literal["targets", "place"] | None = None,
    ) -> TextInput:
        return TextInput(
            action_id=action_id,
            label=label,
            placeholder=placeholder,
            optional=optional,
            asked_when=asked_when,
            initial=before.get(action_id, ""),
            picks=picks,
        )

    return Form(
        callback_id=CREATE_FORM,
        title="New pulse",
        submit_label="Create",
        blocks=[
            Choice(
                action_id="question",
                label="Question",
                options=[Option(label=entry.text[:75], value=key) for key, entry in LIBRARY.items()]
                + [Option(label="My own question (below)", value="custom")],
                initial=before.get("question") or "enps",
            ),
            text("custom_question", "Your own question", optional=True, asked_when=("question", "custom")),
            Choice(
                action_id="kind",
                label="Answers (own question)",
                options=[Option(label=kind, value=kind) for kind in PULSE_KINDS],
                initial=before.get("kind") or "text",
                asked_when=("question", "custom"),
            ),
            text("audience", f"Audience: channels or people (this chat is {here})", picks="targets"),
            text(
                "when",
                "When: now, a time (2026-12-01T09:00:00+01:00) or cron ('0 9 * * MON')",
                optional=True,
                placeholder="now",
            ),
            text("tz", "Time zone (for cron)", optional=True, placeholder="Europe/Berlin"),
            text("closes_after", "Closes after", optional=True, placeholder="3d"),
            text("reminder_after", "Remind after", optional=True, placeholder="1d"),
            text("threshold", "Threshold (at least 3)", optional=True, placeholder="5"),
            text("results", "Post results to", optional=True, placeholder=here, picks="place"),
        ],
    )


def _results_fields(results: PulseResults) -> list[tuple[str, str]]:
    audience, responses = results["audience"], results["responses"]
    rate = f" ({round(100 * responses / audience)}%)" if audience else ""
    pairs = [("Responses", f"{responses} of {audience}{rate}")]
    if results["hidden"]:
        return pairs
    data: dict[str, object] = dict(results)
    for key, label in _RESULT_LABELS.items():
        if data.get(key) is not None:
            pairs.append((label, str(data[key])))
    distribution = data.get("distribution")
    if isinstance(distribution, dict):
        pairs.append(("Distribution", "  ".join(f"{k}: {v}" for k, v in distribution.items())))
    return pairs


def results_message(
    question: str,
    results: PulseResults,
    threshold: int,
    comments: Sequence[str],
    chart_png: bytes | None = None,
    trend_png: bytes | None = None,
    heading: str = "Pulse results",
    hidden_because: str | None = None,
    trend: Sequence[TrendPoint] = (),
) -> OutboundMessage:
    """Results of a run, as posted at close and shown to comms leads; the trend in words beside its chart."""
    question = escape(question)
    blocks: list[Block] = [
        Text(text=f"{heading}: {question}", emphasis=True),
        Fields(pairs=_results_fields(results)),
    ]
    if results["hidden"]:
        blocks.append(Text(text=hidden_because or too_few_answered(results, threshold)))
    if chart_png is not None:
        blocks.append(Image(alt="eNPS: promoters, passives, detractors", png_base64=_b64(chart_png)))
    if len(trend) >= 2:
        blocks.append(Text(text="eNPS by run: " + " → ".join(_trend_point(point) for point in trend)))
    if trend_png is not None:
        blocks.append(Image(alt="eNPS across runs", png_base64=_b64(trend_png)))
    if comments:
        blocks.append(Text(text="Comments:\n" + "\n".join(f"- {escape(comment)}" for comment in comments)))
    blocks.append(ContextLine(text=rules(threshold)))
    summary = ", ".join(f"{label}: {value}" for label, value in _results_fields(results))
    return OutboundMessage(text=f"{heading}: {question} ({summary})", blocks=blocks)


def reachability_message(
    pulse_id: int, question: str, unreached: Sequence[tuple[str, str]]
) -> OutboundMessage:
    """The report to a pulse's creator of who could not be reached and why."""
    lines = "\n".join(f"- {escape(who)}: {escape(why)}" for who, why in unreached)
    text = f"Pulse #{pulse_id} ({escape(question)}): {len(unreached)} could not be reached:\n{lines}"
    return OutboundMessage(text=text, blocks=[Text(text=text)])


def opening_report(
    pulse_id: int, question: str, invited: int, unreached: Sequence[tuple[str, str]], need: int
) -> OutboundMessage:
    """The note to a pulse's creator, as a run opens: audience entries with nobody found, and results that
    cannot show (fewer people asked than answers needed)."""
    asked = f"asks {invited} {'person' if invited == 1 else 'people'}" if invited else "asks nobody"
    text = f"Pulse #{pulse_id} ({escape(question)}) {asked}."
    if unreached:
        text += "".join(f"\n- {escape(who)}: {escape(why)}" for who, why in unreached)
    if 0 < invited < need:
        text += f"\nIts results show from {need} answers, so this run's never will."
    if not invited:
        text += f"\nClose it (**pulse close {pulse_id}**) and create it again with the right audience."
    return OutboundMessage(text=text, blocks=[Text(text=text)])


def _trend_point(point: TrendPoint) -> str:
    shown = "hidden" if point.enps is None else f"{point.enps:+d}" if point.enps else "0"
    return f"{point.day:%d %b}: {shown}"


def _b64(png: bytes) -> str:
    return base64.b64encode(png).decode("ascii")


def runs_closed(count: int) -> str:
    """What closing a pulse did to its open runs: "1 open run closed now"."""
    return f"{count} open {'run' if count == 1 else 'runs'} closed now"
