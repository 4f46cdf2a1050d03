"""Core blocks rendered as Adaptive Cards, and our Markdown as the Markdown Teams shows."""

from __future__ import annotations

from adapters.markdown_render import to_teams
from adapters.teams.base import render_activity
from adapters.teams.cards import form_card, message_card
from bot.core.types import (
    Button,
    Buttons,
    Choice,
    ContextLine,
    Fields,
    Form,
    Image,
    Link,
    Option,
    OutboundMessage,
    Text,
    TextInput,
)


def test_bold_stays_double_asterisks_and_literal_stars_are_escaped() -> None:
    assert to_teams("**Export** breaks for **big reports**") == "**Export** breaks for **big reports**"
    assert to_teams("2 * 3 = 6, a*b") == "2 \\* 3 = 6, a\\*b"
    assert to_teams("- **help**: what I can do") == "- **help**: what I can do"


def test_each_line_break_survives_teams_markdown_and_list_items_stay_a_list() -> None:
    # Teams reads a single line break as a space; only a blank line breaks the line.
    assert to_teams("Sources:\n[1] Export\n[2] Roles") == "Sources:\n\n[1] Export\n\n[2] Roles"
    assert to_teams("Roles:\n- Owner\n- Viewer\n\nDone") == "Roles:\n\n- Owner\n- Viewer\n\nDone"
    assert to_teams("Windows\r\nline ends") == "Windows\n\nline ends"


def test_quoted_lines_become_a_shaded_container_since_cards_have_no_block_quotes() -> None:
    answer = (
        "From Bank sync [1]:\n> Go to Banking.\n> - Pick your bank\n\nSources:\n[1] Bank sync (bank-sync.md)"
    )
    card = message_card(OutboundMessage(text=answer, blocks=[Text(text=answer)]))
    assert card["body"] == [
        {"type": "TextBlock", "text": "From Bank sync [1]:", "wrap": True},
        {
            "type": "Container",
            "style": "emphasis",
            "items": [{"type": "TextBlock", "text": "Go to Banking.\n\n- Pick your bank", "wrap": True}],
        },
        {"type": "TextBlock", "text": "Sources:\n\n[1] Bank sync (bank-sync.md)", "wrap": True},
    ]


def test_a_plain_message_is_sent_as_markdown_text_not_a_card() -> None:
    activity = render_activity(OutboundMessage.plain("Thanks, **recorded**"))
    assert activity["text"] == "Thanks, **recorded**"
    assert activity["textFormat"] == "markdown"
    assert not activity.get("attachments")


def test_a_message_with_blocks_is_an_adaptive_card_1_5() -> None:
    message = OutboundMessage(text="Highlight", blocks=[Text(text="Highlight", emphasis=True)])
    activity = render_activity(message)
    attachment = activity["attachments"][0]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert (card["type"], card["version"]) == ("AdaptiveCard", "1.5")
    assert card["body"][0] == {
        "type": "TextBlock",
        "text": "Highlight",
        "wrap": True,
        "weight": "Bolder",
        "size": "Medium",
    }
    assert activity["summary"] == "Highlight"


def test_a_cards_notification_text_is_plain_words_without_markdown_escapes() -> None:
    text = "Customer voice: score \\<= 6 from **Northwind** \\[card\\]"
    activity = render_activity(OutboundMessage(text=text, blocks=[Text(text=text, emphasis=True)]))
    assert activity["summary"] == "Customer voice: score <= 6 from Northwind [card]"
    assert activity["attachments"][0]["content"]["fallbackText"] == activity["summary"]


def test_buttons_are_submit_actions_carrying_action_id_and_value() -> None:
    card = message_card(
        OutboundMessage(
            text="Vote",
            blocks=[
                Buttons(
                    buttons=[
                        Button(label="Helpful", action_id="answer:up", value="42", style="primary"),
                        Button(label="Wrong", action_id="answer:down", value="42", style="danger"),
                    ]
                )
            ],
        )
    )
    actions = card["body"][0]["actions"]
    assert actions[0] == {
        "type": "Action.Submit",
        "title": "Helpful",
        "style": "positive",
        "data": {"action_id": "answer:up", "value": "42"},
    }
    assert actions[1]["style"] == "destructive"


def test_fields_context_images_and_links() -> None:
    card = message_card(
        OutboundMessage(
            text="x",
            blocks=[
                Fields(pairs=[("Score", "**3**"), ("Source", "NPS")]),
                ContextLine(text="from the survey"),
                Image(alt="chart", png_base64="iVBORw0KGgo=", title="eNPS"),
                Image(alt="logo", url="https://example.com/logo.png"),
                Link(url="https://example.com/r/1", label="Open [the] report"),
            ],
        )
    )
    body = card["body"]
    assert body[0] == {
        "type": "FactSet",
        "facts": [{"title": "Score", "value": "**3**"}, {"title": "Source", "value": "NPS"}],
    }
    assert body[1]["isSubtle"] is True and body[1]["size"] == "Small"
    assert body[2]["text"] == "eNPS"
    assert body[3] == {"type": "Image", "url": "data:image/png;base64,iVBORw0KGgo=", "altText": "chart"}
    assert body[4]["url"] == "https://example.com/logo.png"
    assert body[5]["text"] == "[Open [the] report](https://example.com/r/1)"


def test_a_choice_is_a_choice_set_with_its_own_submit() -> None:
    card = message_card(
        OutboundMessage(
            text="Pick",
            blocks=[
                Choice(
                    action_id="pulse:answer",
                    label="How likely?",
                    options=[Option(label=str(n), value=str(n)) for n in range(11)],
                )
            ],
        )
    )
    choice, submit = card["body"]
    assert choice["type"] == "Input.ChoiceSet" and choice["id"] == "pulse:answer"
    assert choice["style"] == "compact"  # eleven options do not fit as radio buttons
    assert choice["choices"][10] == {"title": "10", "value": "10"}
    assert submit["actions"][0]["data"] == {"action_id": "pulse:answer"}


def test_a_form_is_a_card_of_inputs_with_one_submit_carrying_the_callback_id() -> None:
    card = form_card(
        Form(
            callback_id="expert:answer",
            title="Answer the question",
            submit_label="Send answer",
            blocks=[
                TextInput(action_id="answer", label="Your answer", multiline=True),
                TextInput(action_id="link", label="Link", optional=True),
                Choice(action_id="confidence", label="Sure?", options=[Option(label="Yes", value="y")]),
            ],
            private_metadata="q-17",
        )
    )
    body = card["body"]
    assert body[0]["text"] == "Answer the question"
    assert (
        body[1]["type"] == "Input.Text" and body[1]["isMultiline"] is True and body[1]["isRequired"] is True
    )
    assert body[2]["isRequired"] is False
    assert body[3]["type"] == "Input.ChoiceSet"  # no separate submit inside a form
    assert body[-1]["actions"] == [
        {
            "type": "Action.Submit",
            "title": "Send answer",
            "style": "positive",
            "data": {"action_id": "expert:answer", "clueline_form": "1", "private_metadata": "q-17"},
        }
    ]


def test_a_field_filled_in_already_opens_with_its_value() -> None:
    card = form_card(
        Form(
            callback_id="pulse.create",
            title="New pulse",
            blocks=[TextInput(action_id="audience", label="Audience", initial="#general")],
        )
    )
    [audience] = [element for element in card["body"] if element.get("id") == "audience"]
    assert audience["value"] == "#general"
