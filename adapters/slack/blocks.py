"""Core blocks rendered as Slack Block Kit, within Slack's limits.

Limits kept (docs.slack.dev Block Kit reference): 50 blocks a message (100 in a Home tab or modal),
3,000 characters of section text, 10 fields of 2,000 characters, 75 characters of button text (the issue
said 150; Slack's button element documents 75), 2,000 characters of button value, 25 elements an actions
block, 100 options a select. Long text is split at paragraph, then line, then sentence, then word boundaries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from adapters.markdown_render import slack_escape, to_slack
from adapters.slack.pickers import picker_blocks
from bot.core.markdown import to_plain
from bot.core.types import (
    Block,
    Buttons,
    Choice,
    ContextLine,
    Fields,
    Form,
    Image,
    Link,
    OutboundMessage,
    Text,
    TextInput,
)

MAX_BLOCKS = 50
MAX_SURFACE_BLOCKS = 100  # Home tab and modals
MAX_SECTION_TEXT = 3000
MAX_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_BUTTON_LABEL = 75
MAX_BUTTON_VALUE = 2000
MAX_ACTION_ID = 255
MAX_ACTIONS_ELEMENTS = 25
MAX_OPTIONS = 100
MAX_OPTION_TEXT = 75
MAX_CONTEXT_TEXT = 3000
MAX_PLAIN_LABEL = 2000
MAX_MODAL_TITLE = 24
MAX_FALLBACK_TEXT = 3000
SHORTENED_NOTE = "(shortened: the full text did not fit in one Slack message)"

Json = dict[str, Any]


class RenderError(ValueError):
    """A message cannot be shown on Slack as asked (e.g. a button value over 2,000 characters)."""


@dataclass
class Rendered:
    """A message as Slack takes it, plus charts to upload beside it."""

    text: str
    blocks: list[Json]
    uploads: list[Image] = field(default_factory=list)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def split_text(text: str, limit: int = MAX_SECTION_TEXT) -> list[str]:
    """Pieces of at most `limit` characters, cut at the largest boundary that fits."""
    text = text.strip()
    if len(text) <= limit:
        return [text] if text else []
    for separator in ("\n\n", "\n"):
        if separator in text:
            return _pack(text.split(separator), separator, limit)
    sentences = _SENTENCE_END.split(text)
    if len(sentences) > 1:
        return _pack(sentences, " ", limit)
    words = text.split(" ")
    if len(words) > 1:
        return _pack(words, " ", limit)
    return [text[i : i + limit] for i in range(0, len(text), limit)]


def _pack(parts: list[str], separator: str, limit: int) -> list[str]:
    pieces: list[str] = []
    current = ""
    for part in parts:
        for chunk in split_text(part, limit) if len(part) > limit else [part]:
            candidate = f"{current}{separator}{chunk}" if current else chunk
            if len(candidate) <= limit:
                current = candidate
            else:
                if current.strip():
                    pieces.append(current.strip())
                current = chunk
    if current.strip():
        pieces.append(current.strip())
    return pieces


def _mrkdwn(text: str) -> Json:
    return {"type": "mrkdwn", "text": text}


def _plain(text: str, limit: int) -> Json:
    return {"type": "plain_text", "text": _clip(text, limit) or " ", "emoji": True}


def _check_value(action_id: str, value: str) -> None:
    if len(action_id) > MAX_ACTION_ID:
        raise RenderError(f"action id {action_id[:40]!r}... is over {MAX_ACTION_ID} characters")
    if len(value) > MAX_BUTTON_VALUE:
        raise RenderError(f"the value of {action_id!r} is over {MAX_BUTTON_VALUE} characters")


def _text_blocks(block: Text) -> list[Json]:
    body = to_slack(block.text)
    heading = to_plain(block.text)
    if block.emphasis and len(heading) <= 150 and "\n" not in heading:
        return [{"type": "header", "text": _plain(heading, 150)}]
    return [{"type": "section", "text": _mrkdwn(piece)} for piece in split_text(body)]


def _fields_blocks(block: Fields) -> list[Json]:
    fields = [
        _mrkdwn(_clip(f"*{to_slack(label)}*\n{to_slack(value)}", MAX_FIELD_TEXT))
        for label, value in block.pairs
    ]
    return [
        {"type": "section", "fields": fields[i : i + MAX_FIELDS]} for i in range(0, len(fields), MAX_FIELDS)
    ]


def _button(button: Any) -> Json:
    _check_value(button.action_id, button.value)
    element: Json = {
        "type": "button",
        "action_id": button.action_id,
        "text": _plain(button.label, MAX_BUTTON_LABEL),
        "value": button.value,
    }
    if button.style != "default":
        element["style"] = button.style
    return element


def _select(block: Choice) -> Json:
    if not block.options:
        raise RenderError(f"choice {block.action_id!r} has no options")
    options = []
    for option in block.options[:MAX_OPTIONS]:
        _check_value(block.action_id, option.value)
        options.append({"text": _plain(option.label, MAX_OPTION_TEXT), "value": option.value[:150]})
    element: Json = {
        "type": "static_select",
        "action_id": block.action_id,
        "placeholder": _plain(block.label, 150),
        "options": options,
    }
    initial = next((o for o in options if o["value"] == block.initial), None)
    if initial is not None:
        element["initial_option"] = initial
    return element


def _buttons_blocks(block: Buttons) -> list[Json]:
    elements = [_button(button) for button in block.buttons]
    return [
        {"type": "actions", "elements": elements[i : i + MAX_ACTIONS_ELEMENTS]}
        for i in range(0, len(elements), MAX_ACTIONS_ELEMENTS)
        if elements
    ]


def _choice_blocks(block: Choice) -> list[Json]:
    return [
        {"type": "section", "text": _mrkdwn(_clip(slack_escape(block.label), MAX_SECTION_TEXT))},
        {"type": "actions", "elements": [_select(block)]},
    ]


def _input_block(block: TextInput | Choice) -> Json:
    if isinstance(block, Choice):
        element = _select(block)
        element.pop("placeholder", None)
        return {
            "type": "input",
            "block_id": block.action_id,
            "label": _plain(block.label, MAX_PLAIN_LABEL),
            "element": element,
        }
    element = {"type": "plain_text_input", "action_id": block.action_id, "multiline": block.multiline}
    if block.placeholder:
        element["placeholder"] = _plain(block.placeholder, 150)
    if block.initial:
        element["initial_value"] = block.initial
    return {
        "type": "input",
        "block_id": block.action_id,
        "optional": block.optional,
        "label": _plain(block.label, MAX_PLAIN_LABEL),
        "element": element,
    }


def render_block(
    block: Block, *, in_form: bool = False, workspace: str = ""
) -> tuple[list[Json], list[Image]]:
    """One core block as Block Kit blocks, and a chart to upload when it carries PNG bytes (in a form, the
    pickers offer `workspace`'s channels and people)."""
    if isinstance(block, Text):
        return _text_blocks(block), []
    if isinstance(block, Fields):
        return _fields_blocks(block), []
    if isinstance(block, Buttons):
        return _buttons_blocks(block), []
    if isinstance(block, Choice):
        return ([_input_block(block)] if in_form else _choice_blocks(block)), []
    if isinstance(block, TextInput):
        if in_form and block.picks is not None:
            # Picked from Slack's lists above, typed below (TARGETs of another platform): either will do.
            pickers, still_typed = picker_blocks(
                block.action_id, block.initial, workspace, one_place=block.picks == "place"
            )
            typed = block.model_copy(update={"optional": True, "initial": still_typed})
            return [*pickers, _input_block(typed)], []
        if in_form:
            return [_input_block(block)], []
        # Outside a modal Slack has no free-text input in a message: show the label as a hint.
        return [{"type": "context", "elements": [_mrkdwn(slack_escape(block.label))]}], []
    if isinstance(block, ContextLine):
        return [{"type": "context", "elements": [_mrkdwn(_clip(to_slack(block.text), MAX_CONTEXT_TEXT))]}], []
    if isinstance(block, Image):
        if block.url:
            image: Json = {"type": "image", "image_url": block.url, "alt_text": _clip(block.alt, 2000)}
            if block.title:
                image["title"] = _plain(block.title, 2000)
            return [image], []
        # PNG bytes cannot go in a block: the chart is uploaded as a file beside the message.
        return [{"type": "context", "elements": [_mrkdwn(slack_escape(block.alt))]}], [block]
    if isinstance(block, Link):
        label = slack_escape(block.label).replace("|", "¦")
        return [{"type": "section", "text": _mrkdwn(_clip(f"<{block.url}|{label}>", MAX_SECTION_TEXT))}], []
    raise RenderError(f"unknown block {type(block).__name__}")


def render_blocks(
    blocks: list[Block], *, limit: int = MAX_BLOCKS, in_form: bool = False, workspace: str = ""
) -> tuple[list[Json], list[Image]]:
    """Core blocks as Block Kit, cut to `limit` blocks with a note when they do not fit."""
    out: list[Json] = []
    uploads: list[Image] = []
    for block in blocks:
        rendered, images = render_block(block, in_form=in_form, workspace=workspace)
        out.extend(rendered)
        uploads.extend(images)
    if len(out) > limit:
        out = out[: limit - 1]
        out.append({"type": "context", "elements": [_mrkdwn(SHORTENED_NOTE)]})
    return out, uploads


def render_message(message: OutboundMessage, *, limit: int = MAX_BLOCKS) -> Rendered:
    """A message for chat.postMessage / chat.update / chat.postEphemeral."""
    blocks, uploads = render_blocks(message.blocks, limit=limit)
    return Rendered(text=_clip(to_slack(message.text), MAX_FALLBACK_TEXT), blocks=blocks, uploads=uploads)


def render_home(message: OutboundMessage) -> Json:
    """A Home tab view for views.publish."""
    blocks, _ = render_blocks(message.blocks, limit=MAX_SURFACE_BLOCKS)
    return {"type": "home", "blocks": blocks}


def render_form(form: Form, workspace: str = "") -> Json:
    """A modal view for views.open in `workspace`; its inputs come back in view_submission state values."""
    blocks, _ = render_blocks(form.blocks, limit=MAX_SURFACE_BLOCKS, in_form=True, workspace=workspace)
    return {
        "type": "modal",
        "callback_id": form.callback_id,
        "title": _plain(form.title, MAX_MODAL_TITLE),
        "submit": _plain(form.submit_label, MAX_MODAL_TITLE),
        "close": _plain("Cancel", MAX_MODAL_TITLE),
        "private_metadata": form.private_metadata[:3000],
        "blocks": blocks,
    }
