"""Core blocks rendered as Block Kit: escaping, Slack's limits, clean splitting of long text."""

from __future__ import annotations

import pytest

from adapters.markdown_render import slack_escape
from adapters.slack.blocks import (
    MAX_BLOCKS,
    MAX_BUTTON_LABEL,
    MAX_SECTION_TEXT,
    SHORTENED_NOTE,
    RenderError,
    render_form,
    render_home,
    render_message,
    split_text,
)
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


def test_mrkdwn_control_characters_are_escaped_and_bold_survives() -> None:
    rendered = render_message(
        OutboundMessage(text="a < b & c > d", blocks=[Text(text="**Q3** <@U1> & <!here>")])
    )
    assert rendered.blocks == [
        {"type": "section", "text": {"type": "mrkdwn", "text": "*Q3* &lt;@U1&gt; &amp; &lt;!here&gt;"}}
    ]
    assert rendered.text == "a &lt; b &amp; c &gt; d"
    assert slack_escape("&amp;") == "&amp;amp;"


def test_long_text_is_split_at_paragraphs_within_the_section_limit() -> None:
    paragraphs = [f"Paragraph {n}. " + "word " * 150 for n in range(12)]
    pieces = split_text("\n\n".join(paragraphs))
    assert all(len(piece) <= MAX_SECTION_TEXT for piece in pieces)
    assert len(pieces) > 1
    assert all(piece.startswith("Paragraph") for piece in pieces), "every piece starts at a paragraph"
    assert "".join("".join(pieces).split()) == "".join("".join(paragraphs).split()), "nothing lost"


def test_one_long_paragraph_is_split_between_sentences() -> None:
    sentences = [f"Sentence number {n} says something useful about exports." for n in range(120)]
    pieces = split_text(" ".join(sentences))
    assert len(pieces) > 1
    assert all(len(piece) <= MAX_SECTION_TEXT and piece.endswith(".") for piece in pieces)


def test_a_single_enormous_word_is_cut_hard() -> None:
    pieces = split_text("x" * 7000)
    assert [len(p) for p in pieces] == [3000, 3000, 1000]


def test_more_than_fifty_blocks_are_cut_with_a_note() -> None:
    message = OutboundMessage(text="many", blocks=[Text(text=f"line {n}") for n in range(80)])
    blocks = render_message(message).blocks
    assert len(blocks) == MAX_BLOCKS
    assert blocks[-1]["elements"][0]["text"] == SHORTENED_NOTE


def test_home_tab_may_hold_a_hundred_blocks() -> None:
    view = render_home(OutboundMessage(text="home", blocks=[Text(text=f"line {n}") for n in range(80)]))
    assert view["type"] == "home" and len(view["blocks"]) == 80


def test_fields_go_ten_to_a_section() -> None:
    blocks = render_message(
        OutboundMessage(text="f", blocks=[Fields(pairs=[(f"k{n}", f"v{n}") for n in range(13)])])
    ).blocks
    assert [len(b["fields"]) for b in blocks] == [10, 3]
    assert blocks[0]["fields"][0]["text"] == "*k0*\nv0"


def test_buttons_keep_ids_values_and_style_and_labels_are_clipped() -> None:
    buttons = Buttons(
        buttons=[
            Button(label="Yes", action_id="pulse_answer:1", value="9", style="primary"),
            Button(label="L" * 200, action_id="pulse_answer:2", value="0"),
        ]
    )
    [actions] = render_message(OutboundMessage(text="b", blocks=[buttons])).blocks
    first, second = actions["elements"]
    assert (first["action_id"], first["value"], first["style"]) == ("pulse_answer:1", "9", "primary")
    assert "style" not in second
    assert len(second["text"]["text"]) == MAX_BUTTON_LABEL


def test_a_button_value_over_two_thousand_characters_is_refused() -> None:
    message = OutboundMessage(
        text="b", blocks=[Buttons(buttons=[Button(label="x", action_id="a", value="v" * 2001)])]
    )
    with pytest.raises(RenderError, match="2000"):
        render_message(message)


def test_choice_becomes_a_static_select_with_its_initial_option() -> None:
    choice = Choice(
        action_id="pick",
        label="Pick one",
        options=[Option(label="Red", value="r"), Option(label="Blue", value="b")],
        initial="b",
    )
    blocks = render_message(OutboundMessage(text="c", blocks=[choice])).blocks
    select = blocks[1]["elements"][0]
    assert select["type"] == "static_select"
    assert [o["value"] for o in select["options"]] == ["r", "b"]
    assert select["initial_option"]["value"] == "b"


def test_context_link_and_url_image() -> None:
    blocks = render_message(
        OutboundMessage(
            text="x",
            blocks=[
                ContextLine(text="3 of 5 answered"),
                Link(url="https://docs.example.com/a", label="Export guide"),
                Image(alt="trend", url="https://img.example.com/t.png"),
            ],
        )
    ).blocks
    assert blocks[0] == {"type": "context", "elements": [{"type": "mrkdwn", "text": "3 of 5 answered"}]}
    assert blocks[1]["text"]["text"] == "<https://docs.example.com/a|Export guide>"
    assert blocks[2] == {"type": "image", "image_url": "https://img.example.com/t.png", "alt_text": "trend"}


def test_png_chart_becomes_an_upload_and_its_alt_text_stays_in_the_message() -> None:
    rendered = render_message(
        OutboundMessage(text="x", blocks=[Image(alt="eNPS by week", png_base64="iVBORw0KGgo=")])
    )
    assert rendered.blocks == [{"type": "context", "elements": [{"type": "mrkdwn", "text": "eNPS by week"}]}]
    assert [image.alt for image in rendered.uploads] == ["eNPS by week"]


def test_form_becomes_a_modal_with_input_blocks() -> None:
    form = Form(
        callback_id="feedback_note",
        title="A very long title that Slack would refuse",
        blocks=[
            Text(text="Tell us more"),
            TextInput(action_id="note", label="Note", multiline=True, optional=True, placeholder="…"),
            Choice(action_id="area", label="Area", options=[Option(label="Reports", value="reports")]),
        ],
        private_metadata="item-7",
    )
    view = render_form(form)
    assert (view["type"], view["callback_id"], view["private_metadata"]) == (
        "modal",
        "feedback_note",
        "item-7",
    )
    assert len(view["title"]["text"]) <= 24
    note, area = view["blocks"][1], view["blocks"][2]
    assert note["type"] == "input" and note["optional"] is True
    assert note["element"] == {
        "type": "plain_text_input",
        "action_id": "note",
        "multiline": True,
        "placeholder": {"type": "plain_text", "text": "…", "emoji": True},
    }
    assert area["type"] == "input" and area["element"]["type"] == "static_select"


def test_emphasised_short_text_is_a_header() -> None:
    [header] = render_message(OutboundMessage(text="h", blocks=[Text(text="Clueline", emphasis=True)])).blocks
    assert header == {"type": "header", "text": {"type": "plain_text", "text": "Clueline", "emoji": True}}


def test_a_field_filled_in_already_opens_with_its_value() -> None:
    form = Form(
        callback_id="pulse.create",
        title="New pulse",
        blocks=[TextInput(action_id="audience", label="Audience", initial="#general")],
    )
    [audience] = render_form(form)["blocks"]
    assert audience["element"]["initial_value"] == "#general"


def test_pickers_hold_only_this_workspaces_targets_and_what_does_not_fit_stays_typed() -> None:
    many = " ".join(f"slack:C{n:04d}" for n in range(101))
    initial = f"slack:T1/C0500 slack:T2/C0600 slack:T1/U0001 teams:19:x {many}"
    form = Form(
        callback_id="pulse.create",
        title="New pulse",
        blocks=[
            TextInput(action_id="audience", label="Audience", initial=initial, picks="targets"),
            TextInput(action_id="results", label="Results", initial="slack:C1 slack:C2", picks="place"),
        ],
    )
    channels, people, audience, place, results = render_form(form, "T1")["blocks"]
    picked = channels["element"]["initial_conversations"]
    assert picked[0] == "C0500" and len(picked) == 100, "the first hundred of this workspace's channels"
    assert people["element"]["initial_users"] == ["U0001"]
    # Another workspace's channel, another platform's conversation and the 101st channel stay typed.
    assert audience["element"]["initial_value"] == "slack:T2/C0600 teams:19:x slack:C0099 slack:C0100"
    assert audience["optional"] is True
    assert place["element"]["type"] == "conversations_select"
    assert place["element"]["initial_conversation"] == "C1"
    assert results["element"]["initial_value"] == "slack:C2"
