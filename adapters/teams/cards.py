"""Core outbound blocks as Adaptive Cards (1.5), the way Teams shows them.

Buttons are `Action.Submit` whose data carries `{"action_id", "value"}`: Teams posts it back as a message
activity with that `value` (or, for Universal Actions, an `adaptiveCard/action` invoke), which the parser
turns into an ActionEvent. A choice gets its own submit button, since a card input sends nothing by itself.
"""

from __future__ import annotations

from typing import Any

from adapters.markdown_render import to_teams
from adapters.teams.pickers import people_picker
from bot.core.markdown import escape, to_plain
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

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_VERSION = "1.5"
# Keys of a submit's data that are ours, not inputs of the card.
ACTION_KEY = "action_id"
VALUE_KEY = "value"
FORM_KEY = "clueline_form"
METADATA_KEY = "private_metadata"
CHOICE_SUBMIT_LABEL = "Send"

_STYLES = {"primary": "positive", "danger": "destructive", "default": "default"}
_QUOTE = "> "


def text_elements(markdown: str, **style: Any) -> list[dict[str, Any]]:
    """TextBlocks of a Markdown text; its quoted lines go in a shaded container (cards have no block quotes)."""
    text = to_teams(markdown)
    runs: list[tuple[bool, list[str]]] = []
    for line in text.split("\n"):
        quoted = line.startswith(_QUOTE) or line == _QUOTE.strip()
        if runs and runs[-1][0] == quoted:
            runs[-1][1].append(line)
        else:
            runs.append((quoted, [line]))
    elements: list[dict[str, Any]] = []
    for quoted, lines in runs:
        if not quoted:
            if "\n".join(lines).strip():
                elements.append(_rendered_block("\n".join(lines).strip("\n"), **style))
            continue
        inner = "\n".join(line.removeprefix(_QUOTE).removeprefix(_QUOTE.strip()) for line in lines)
        elements.append(
            {"type": "Container", "style": "emphasis", "items": [_rendered_block(inner, **style)]}
        )
    return elements or [_rendered_block(text, **style)]


def is_plain(message: OutboundMessage) -> bool:
    """A message of plain paragraphs only, which reads better as a chat message than as a card."""
    return all(isinstance(block, Text) and not block.emphasis for block in message.blocks)


def plain_text(message: OutboundMessage) -> str:
    """The text of a plain message, in Teams markdown."""
    if not message.blocks:
        return to_teams(message.text)
    return "\n\n".join(to_teams(block.text) for block in message.blocks if isinstance(block, Text))


def message_card(message: OutboundMessage) -> dict[str, Any]:
    """An Adaptive Card of a message's blocks."""
    blocks = message.blocks or [Text(text=message.text)]
    # The fallback is what a notification or an old client shows: words, not Markdown's marks and escapes.
    return _card(
        [element for block in blocks for element in render_block(block)], fallback=to_plain(message.text)
    )


def form_card(form: Form) -> dict[str, Any]:
    """A form as a card with its inputs and one submit button that carries the form's callback id."""
    body: list[dict[str, Any]] = [_text_block(escape(form.title), weight="Bolder", size="Medium")]
    for block in form.blocks:
        # Inside a form a choice is an input like any other: the form's own submit sends it.
        body.extend(_choice_input(block) if isinstance(block, Choice) else render_block(block))
    data = {ACTION_KEY: form.callback_id, FORM_KEY: "1", METADATA_KEY: form.private_metadata}
    body.append(
        {
            "type": "ActionSet",
            "actions": [
                {"type": "Action.Submit", "title": form.submit_label, "style": "positive", "data": data}
            ],
        }
    )
    return _card(body, fallback=form.title)


def render_block(block: Block) -> list[dict[str, Any]]:
    """The card elements of one block."""
    if isinstance(block, Text):
        if block.emphasis:
            return [_text_block(block.text, weight="Bolder", size="Medium")]
        return text_elements(block.text)
    if isinstance(block, Fields):
        facts = [{"title": to_teams(label), "value": to_teams(value)} for label, value in block.pairs]
        return [{"type": "FactSet", "facts": facts}]
    if isinstance(block, Buttons):
        actions = [
            {
                "type": "Action.Submit",
                "title": button.label,
                "style": _STYLES[button.style],
                "data": {ACTION_KEY: button.action_id, VALUE_KEY: button.value},
            }
            for button in block.buttons
        ]
        return [{"type": "ActionSet", "actions": actions}]
    if isinstance(block, Choice):
        submit = {
            "type": "Action.Submit",
            "title": CHOICE_SUBMIT_LABEL,
            "data": {ACTION_KEY: block.action_id},
        }
        return [*_choice_input(block), {"type": "ActionSet", "actions": [submit]}]
    if isinstance(block, TextInput) and block.picks == "targets":
        # People picked from the organisation above, TARGETs typed below: either will do.
        picker, still_typed = people_picker(block.action_id, block.initial)
        typed = block.model_copy(update={"picks": None, "optional": True, "initial": still_typed})
        return [picker, *render_block(typed)]
    if isinstance(block, TextInput):
        return [
            {
                "type": "Input.Text",
                "id": block.action_id,
                "label": block.label,
                "isMultiline": block.multiline,
                "isRequired": not block.optional,
                "placeholder": block.placeholder,
                **({"value": block.initial} if block.initial else {}),
                **({} if block.optional else {"errorMessage": f"{block.label} is required"}),
            }
        ]
    if isinstance(block, ContextLine):
        return [_text_block(block.text, size="Small", isSubtle=True)]
    if isinstance(block, Image):
        url = block.url or f"data:image/png;base64,{block.png_base64 or ''}"
        elements: list[dict[str, Any]] = []
        if block.title:
            elements.append(_text_block(escape(block.title), weight="Bolder"))
        elements.append({"type": "Image", "url": url, "altText": block.alt})
        return elements
    if isinstance(block, Link):
        return [_text_block(f"[{escape(block.label)}](<{block.url}>)")]
    return []


def _choice_input(block: Block) -> list[dict[str, Any]]:
    assert isinstance(block, Choice)
    element: dict[str, Any] = {
        "type": "Input.ChoiceSet",
        "id": block.action_id,
        "label": block.label,
        "style": "expanded" if len(block.options) <= 5 else "compact",
        "isRequired": True,
        "errorMessage": "Pick one",
        "choices": [{"title": option.label, "value": option.value} for option in block.options],
    }
    if block.initial is not None:
        element["value"] = block.initial
    return [element]


def _text_block(markdown: str, **style: Any) -> dict[str, Any]:
    return _rendered_block(to_teams(markdown), **style)


def _rendered_block(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def _card(body: list[dict[str, Any]], fallback: str) -> dict[str, Any]:
    return {
        "type": "AdaptiveCard",
        "$schema": CARD_SCHEMA,
        "version": CARD_VERSION,
        "body": body,
        "fallbackText": fallback,
        "msteams": {"width": "Full"},
    }
