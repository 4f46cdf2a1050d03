"""The pulse in chat: comms leads' `pulse` command and form, everyone's one-tap answers, the home section."""

from __future__ import annotations

import json
import logging
import re

from bot.core.markdown import escape
from bot.core.row_ids import row_id
from bot.core.targets import target_of
from bot.core.turn import Turn
from bot.core.types import ActionEvent, Block, Button, Buttons, InboundMessage, OutboundMessage, Text
from bot.features.pulse import render, texts
from bot.features.pulse.audience import audience_example_from
from bot.features.pulse.ballots import (
    AnswerOutcome,
    AnswerResult,
    record_answer,
    record_comment,
    record_typed_answer,
)
from bot.features.pulse.closing import close_pulse
from bot.features.pulse.demo import announce_sample_results, close_sample_run, run_sample_pulse
from bot.features.pulse.runs import create_pulse
from bot.features.pulse.spec import PulseInputError, build_spec, creation_notes
from bot.features.pulse.views import ListedPulse, latest_results, list_pulses, results_post

log = logging.getLogger(__name__)

_MENTION = re.compile(r"^<?@?([A-Za-z0-9._:-]+?)(?:\|[^>]*)?>?$")


async def pulse_command(turn: Turn) -> None:
    """`pulse ...`: answers and comments for anyone; creating, listing, results and closing for comms leads."""
    word, _, rest = turn.args.partition(" ")
    sub, rest = word.lower(), rest.strip()
    if (
        sub in ("answer", "comment")
        and isinstance(turn.event, InboundMessage)
        and turn.event.said_in_the_open
    ):
        # Its author's name is beside it there, and such messages are sealed smaller (bot.core.event_seal):
        # the stored event's size would tell a comment's length.
        await turn.reply(texts.ANSWER_IN_PRIVATE)
        return
    if sub == "answer":
        await _reply_outcome(turn, await record_typed_answer(turn.runtime, turn.person, rest))
        return
    if sub == "comment":
        result = await record_comment(turn.runtime, turn.person, None, rest)
        await _reply_comment(turn, result)
        return
    if not await turn.is_comms_lead():
        await turn.reply(texts.NOT_A_LEAD)
        return
    if sub == "":
        if turn.capabilities.single_person and await run_sample_pulse(turn):
            return
        await _list(turn)
        await turn.reply(texts.USAGE)
    elif sub == "new":
        here = turn.conversation
        if not turn.capabilities.forms or here is None:
            await turn.reply("Forms don't open here. " + texts.USAGE)
        elif turn.capabilities.forms_need_a_click and not getattr(turn.event, "trigger_id", None):
            # A message typed in the DM carries nothing that may open a form; a click on this button does.
            button = Button(
                label=texts.OPEN_FORM, action_id=render.REFILL_ACTION, value="{}", style="primary"
            )
            await turn.reply(
                OutboundMessage(
                    text=texts.FORM_BEHIND_BUTTON,
                    blocks=[Text(text=texts.FORM_BEHIND_BUTTON), Buttons(buttons=[button])],
                )
            )
        else:
            await turn.open_form(render.create_form(target_of(here)))
    elif sub == "list":
        await _list(turn)
    elif sub in ("results", "close"):
        pulse_id = _pulse_id(rest)
        if pulse_id is None:
            await turn.reply(f"Which pulse? For example **pulse {sub} 3** (see **pulse list**).")
        elif sub == "results":
            await _results(turn, pulse_id)
        else:
            closed = await close_pulse(turn.runtime, pulse_id)
            await turn.reply(
                f"No pulse #{pulse_id}."
                if closed < 0
                else f"Pulse #{pulse_id} is closed: it sends no more runs ({render.runs_closed(closed)})."
            )
    elif sub == "grant":
        await _grant(turn, rest)
    else:
        await turn.reply(texts.USAGE)


def _pulse_id(text: str) -> int | None:
    return row_id(text)


async def _grant(turn: Turn, who: str) -> None:
    match = _MENTION.match(who.strip())
    if not who.strip() or match is None:
        # The example is in the asker's own platform's ids: a Teams user has no use for a Slack one.
        await turn.reply(
            f"Whom? @mention them (**pulse grant @name**) or give their id as **whoami** shows it: yours is "
            f"`{turn.person}`."
        )
        return
    name = match.group(1)
    person = name if ":" in name else f"{turn.user.platform}:{name}"
    await turn.runtime.roles.grant(person, turn.person)
    await turn.reply(f"{escape(person)} is now a comms lead: they can create pulses and read results.")


# An audience of more targets than this is listed by its first ones and how many more.
LISTED_TARGETS = 2


def _audience_label(stored: str) -> str:
    """Whom a pulse asks, short enough for one line of a list ("slack:C1, slack:C2 and 3 more")."""
    targets = [str(t) for t in json.loads(stored)]
    shown = ", ".join(targets[:LISTED_TARGETS])
    rest = len(targets) - LISTED_TARGETS
    return f"{shown} and {rest} more" if rest > 0 else shown


def _list_line(listed: ListedPulse) -> str:
    """One pulse of `pulse list`: its question, whom it asks, and how its newest run went, and when."""
    pulse, runs = listed.pulse, listed.runs
    latest = f" on {listed.latest_opened:%Y-%m-%d}" if listed.latest_opened else ""
    return (
        f"#{pulse.id} {escape(pulse.question)} to {escape(_audience_label(pulse.audience))} "
        f"({listed.state}, {runs} run{'' if runs == 1 else 's'}, "
        f"{listed.responses} answered in the latest{latest})"
    )


async def _list(turn: Turn) -> None:
    pulses = await list_pulses(turn.runtime)
    if not pulses:
        await turn.reply("No pulses yet. Type **pulse new** to create one.")
        return
    lines = [_list_line(listed) for listed in pulses]
    await turn.reply("Pulses:\n" + "\n".join(lines))


async def _results(turn: Turn, pulse_id: int) -> None:
    found = await latest_results(turn.runtime, pulse_id)
    if found is None:
        await turn.reply(f"No pulse #{pulse_id}.")
        return
    pulse, view = found
    if view is None:
        await turn.reply(f"Pulse #{pulse_id} has not run yet.")
        return
    async with turn.runtime.database.session() as session:
        message = await results_post(session, pulse, view, heading=f"Pulse #{pulse_id}")
    await turn.reply(message)


# ---- actions --------------------------------------------------------------------------------------


async def answer_action(turn: Turn) -> None:
    """A tap on an answer button: record it through the token, then replace the buttons with thanks."""
    event = turn.event
    assert isinstance(event, ActionEvent)
    choice = event.action_id.removeprefix(render.ANSWER_ACTION)
    result = await record_answer(turn.runtime, turn.person, event.value, choice)
    await _reply_outcome(turn, result, token=event.value)


async def demo_results_action(turn: Turn) -> None:
    """The demo's Results button under the closed sample pulse."""
    event = turn.event
    assert isinstance(event, ActionEvent)
    if not await turn.is_comms_lead():
        await turn.reply(texts.NOT_A_LEAD)
    elif (pulse_id := row_id(event.value)) is not None:
        await _results(turn, pulse_id)


async def write_action(turn: Turn) -> None:
    """The free-text answer button: a form where the platform has one, else how to reply in the chat."""
    event = turn.event
    assert isinstance(event, ActionEvent)
    if turn.capabilities.forms:
        await turn.open_form(render.text_form("Your answer", event.value))
    else:
        await turn.reply("Reply here with **pulse answer** followed by your answer.")


async def text_form_submit(turn: Turn) -> None:
    """A submitted free-text answer."""
    event = turn.event
    assert isinstance(event, ActionEvent)
    token = event.action_id.removeprefix(render.TEXT_FORM)
    result = await record_answer(turn.runtime, turn.person, token, event.form_values.get("answer", ""))
    await _reply_outcome(turn, result)


async def add_comment_action(turn: Turn) -> None:
    """The comment button under the thanks."""
    event = turn.event
    assert isinstance(event, ActionEvent)
    if turn.capabilities.forms:
        await turn.open_form(render.comment_form(event.value))
    else:
        await turn.reply("Reply here with **pulse comment** followed by your comment.")


async def comment_form_submit(turn: Turn) -> None:
    """A submitted comment."""
    event = turn.event
    assert isinstance(event, ActionEvent)
    token = event.action_id.removeprefix(render.COMMENT_FORM)
    result = await record_comment(turn.runtime, turn.person, token, event.form_values.get("comment", ""))
    await _reply_comment(turn, result)


async def _comms_lead_action(turn: Turn) -> ActionEvent | None:
    """The button or form event, when a comms lead sent it; anyone else is told it is not for them."""
    if not await turn.is_comms_lead():
        await turn.reply(texts.NOT_A_LEAD)
        return None
    event = turn.event
    assert isinstance(event, ActionEvent)
    return event


async def create_form_submit(turn: Turn) -> None:
    """A comms lead submitted the new-pulse form."""
    event = await _comms_lead_action(turn)
    if event is None:
        return
    values = {key: value.strip() for key, value in event.form_values.items()}
    chosen = values.get("question", "enps")
    custom = chosen == "custom"
    when = values.get("when", "").lower()
    try:
        threshold = int(values["threshold"]) if values.get("threshold") else None
    except ValueError:
        await _refuse_form(turn, "The threshold is a whole number, e.g. 5.", values)
        return
    at = every = None
    if when and when != "now":
        if len(when.split()) == 5:
            every = values["when"]
        else:
            at = values["when"]
    try:
        spec = build_spec(
            question=values.get("custom_question", "") if custom else chosen,
            kind=values.get("kind") if custom else None,
            audience=values.get("audience", "").replace(",", " ").split(),
            created_by=turn.person,
            at=at,
            every=every,
            tz=values.get("tz") or None,
            closes_after=values.get("closes_after") or None,
            reminder_after=values.get("reminder_after") or None,
            threshold=threshold,
            results_target=values.get("results") or None,
            now=turn.runtime.clock.now(),
            audience_example=audience_example_from(event.conversation),
        )
    except PulseInputError as exc:
        await _refuse_form(turn, f"I couldn't create that pulse: {escape(str(exc))}", values)
        return
    pulse_id = await create_pulse(turn.runtime, spec)
    created = f"Pulse #{pulse_id} created: {escape(spec.question)}"
    notes = "".join(f"\nNote: {escape(note)}." for note in creation_notes(spec, turn.runtime.clock.now()))
    await turn.reply_privately(created + notes)


# Slack carries at most 2,000 characters in a button's value; a longer form is not offered again.
MAX_REFILL_CHARS = 1900


async def _refuse_form(turn: Turn, why: str, values: dict[str, str]) -> None:
    """Say why a new-pulse form was refused, with a button that opens it again filled in as it was."""
    typed = json.dumps({key: value for key, value in values.items() if value})
    if len(typed) > MAX_REFILL_CHARS or not turn.capabilities.forms:
        await turn.reply_privately(why)
        return
    button = Button(label=render.REFILL_LABEL, action_id=render.REFILL_ACTION, value=typed, style="primary")
    await turn.reply_privately(OutboundMessage(text=why, blocks=[Text(text=why), Buttons(buttons=[button])]))


async def refill_action(turn: Turn) -> None:
    """The "Fix it" button under a refused new-pulse form: the form again, filled in with what was typed."""
    event = await _comms_lead_action(turn)
    if event is None:
        return
    here = turn.conversation
    try:
        typed = json.loads(event.value)
    except ValueError:
        typed = None
    if not isinstance(typed, dict) or here is None:
        await turn.reply_privately("That form can't be opened again; type **pulse new**.")
        return
    await turn.open_form(render.create_form(target_of(here), {str(k): str(v) for k, v in typed.items()}))


async def _reply_outcome(turn: Turn, result: AnswerResult, token: str | None = None) -> None:
    if result.outcome is AnswerOutcome.RECORDED:
        # In the demo the sample run closes at once, so no comment could follow: its button is not offered.
        sample = await close_sample_run(turn) if turn.capabilities.single_person else None
        thanks = render.thanks(result.kind, token or "", result.threshold)
        if token is None or sample is not None:
            thanks = OutboundMessage(
                text=thanks.text, blocks=[b for b in thanks.blocks if b.type != "buttons"]
            )
        if token is None:
            await turn.reply(thanks)
        else:
            await turn.update_source(thanks)
        if sample is not None:
            await announce_sample_results(turn, sample)
    elif result.outcome is AnswerOutcome.ALREADY:
        await turn.reply(texts.ALREADY_ANSWERED)
    elif result.outcome is AnswerOutcome.INVALID:
        await turn.reply(result.reason)
    else:
        await turn.reply(texts.REFUSED)


async def _reply_comment(turn: Turn, result: AnswerResult) -> None:
    if result.outcome is AnswerOutcome.RECORDED:
        await turn.update_source(render.comment_thanks())
    elif result.outcome is AnswerOutcome.ALREADY:
        await turn.reply("You've already added a comment to this one. Thank you!")
    elif result.outcome is AnswerOutcome.INVALID:
        await turn.reply(result.reason)
    else:
        await turn.reply(texts.REFUSED)


async def home_section(turn: Turn) -> list[Block]:
    """Comms leads see their pulses with status and latest responses; others see nothing."""
    if not await turn.is_comms_lead():
        return []
    pulses = await list_pulses(turn.runtime, created_by=turn.person)
    if not pulses:
        return [Text(text="Pulses", emphasis=True), Text(text="No pulses yet: type **pulse new**.")]
    lines = []
    for listed in pulses:
        pulse, responses = listed.pulse, listed.responses
        found = await latest_results(turn.runtime, pulse.id or 0)
        view = found[1] if found else None
        shown = ""
        if view is not None and not view.results["hidden"]:
            enps = view.results.get("enps")
            shown = f", eNPS {enps}" if enps is not None else ", results visible"
        lines.append(f"#{pulse.id} {escape(pulse.question)}: {listed.state}, {responses} answered{shown}")
    return [Text(text="Your pulses", emphasis=True), Text(text="\n".join(lines))]
