"""Slack payloads parsed into core events (no I/O)."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

from adapters.slack.parse import (
    form_values,
    parse_block_action,
    parse_command,
    parse_event,
    parse_view_submission,
    strip_mentions,
)
from bot.core.types import ActionEvent, HomeOpened, InboundMessage, InstallEvent
from tests.slack import payloads as p


def envelope(event: dict[str, object], event_id: str = "Ev1") -> dict[str, object]:
    parsed: dict[str, object] = json.loads(p.event_body(event, event_id))
    return parsed


def test_mentions_of_the_bot_are_stripped_and_slack_escapes_undone() -> None:
    assert strip_mentions("<@UBOT> is 3 &lt; 4 &amp;&amp; ok?", "UBOT") == "is 3 < 4 && ok?"
    assert strip_mentions("hey <@UBOT|clueline>   help", "UBOT") == "hey help"


def test_a_channel_picked_from_slacks_menu_reaches_the_core_as_a_target() -> None:
    typed = "<@UBOT> team add Support <#C1|support> <#C2> --product helpdesk"
    assert strip_mentions(typed, "UBOT") == "team add Support slack:C1 slack:C2 --product helpdesk"


def test_a_person_picked_from_slacks_menu_reaches_the_core_as_a_target() -> None:
    typed = "pulse grant <@U0ANA|ana> <@W0BEN>"
    assert strip_mentions(typed, "UBOT") == "pulse grant slack:U0ANA slack:W0BEN"


def test_message_and_app_mention_of_one_message_share_one_key() -> None:
    message = parse_event(envelope(p.channel_message("<@UBOT> help", ts="1.1"), "EvA"), "UBOT")
    mention = parse_event(envelope(p.app_mention("<@UBOT> help", ts="1.1"), "EvB"), "UBOT")
    assert isinstance(message, InboundMessage) and isinstance(mention, InboundMessage)
    assert message.event_id == mention.event_id
    assert message.model_dump(exclude={"event_id"}) == mention.model_dump(exclude={"event_id"})
    assert mention.mentions_bot and mention.text == "help" and mention.message_id == "1.1"


def test_direct_message_is_direct() -> None:
    event = parse_event(envelope(p.direct_message("hello")), "UBOT")
    assert isinstance(event, InboundMessage)
    assert event.is_direct and event.conversation.is_direct
    assert (event.conversation.workspace, event.conversation.channel, event.user.key) == (
        "T0001",
        "D0001",
        "slack:U0001",
    )


def test_reply_in_the_bots_thread_is_in_bot_thread_and_keeps_the_thread() -> None:
    event = parse_event(
        envelope(p.channel_message("more", ts="2.2", thread_ts="2.1", parent_user_id="UBOT")), "UBOT"
    )
    assert isinstance(event, InboundMessage)
    assert event.in_bot_thread and event.conversation.thread == "2.1"


def test_channel_chatter_other_threads_bots_and_edits_are_not_for_the_bot() -> None:
    ignored = [
        p.channel_message("lunch?"),
        p.channel_message("more", ts="2.2", thread_ts="2.1", parent_user_id="USOMEONE"),
        p.direct_message("hi", bot_id="B1"),
        p.direct_message("hi", subtype="bot_message"),
        p.direct_message("hi", subtype="message_changed"),
        p.direct_message("hi", user="UBOT"),
        {"type": "reaction_added", "user": "U1"},
        {"type": "app_home_opened", "user": "U1", "tab": "messages"},
    ]
    assert [parse_event(envelope(event), "UBOT") for event in ignored] == [None] * len(ignored)


def test_file_share_from_a_person_is_a_message() -> None:
    assert isinstance(
        parse_event(envelope(p.direct_message("see file", subtype="file_share")), "UBOT"), InboundMessage
    )


def test_home_opened_and_uninstall() -> None:
    home = parse_event(envelope(p.home_opened("U9"), "EvH"), "UBOT")
    assert isinstance(home, HomeOpened) and home.user.user_id == "U9" and home.event_id == "EvH"
    gone = parse_event(envelope({"type": "app_uninstalled"}, "EvU"), "UBOT")
    assert isinstance(gone, InstallEvent) and (gone.change, gone.workspace) == ("uninstalled", "T0001")
    revoked = parse_event(envelope({"type": "tokens_revoked", "tokens": {"bot": ["UBOT"]}}, "EvR"), "UBOT")
    assert isinstance(revoked, InstallEvent) and revoked.change == "tokens_revoked"


def test_slash_command_text_is_the_message_and_empty_means_help() -> None:
    body: dict[str, object] = dict(parse_qsl(p.slash_command("ask how do I export")))
    command = parse_command(body, "UBOT")
    assert command is not None and command.is_command and command.text == "ask how do I export"
    assert command.trigger_id == body["trigger_id"]
    assert command.conversation.channel == "U0001" and command.conversation.is_direct
    empty = parse_command({**body, "text": "  "}, "UBOT")
    assert empty is not None and empty.text == "help"


def test_button_and_select_actions() -> None:
    pressed = parse_block_action(p.block_actions(p.button("pulse_answer:7", "9")), "UBOT")
    assert isinstance(pressed, ActionEvent)
    assert (pressed.action_id, pressed.value, pressed.source) == ("pulse_answer:7", "9", "button")
    assert pressed.message_id == "1700000005.000100" and pressed.trigger_id == "111.222.abc"
    assert pressed.conversation is not None and pressed.conversation.channel == "C0001"
    picked = parse_block_action(p.block_actions(p.static_select("area", "reports")), "UBOT")
    assert isinstance(picked, ActionEvent) and (picked.value, picked.source) == ("reports", "choice")
    again = parse_block_action(p.block_actions(p.button("pulse_answer:7", "9")), "UBOT")
    assert again is not None and again.event_id == pressed.event_id, "a redelivered click has the same key"


def test_view_submission_values_and_metadata() -> None:
    values = {
        "note": {"note": {"type": "plain_text_input", "value": "great"}},
        "area": {"area": {"type": "static_select", "selected_option": {"value": "reports"}}},
        "empty": {"empty": {"type": "plain_text_input", "value": None}},
    }
    submitted = parse_view_submission(
        p.view_submission("feedback_note", values, private_metadata="item-7"), "UBOT"
    )
    assert isinstance(submitted, ActionEvent)
    assert (submitted.action_id, submitted.source, submitted.value) == (
        "feedback_note",
        "form_submit",
        "item-7",
    )
    assert submitted.form_values == {"note": "great", "area": "reports", "empty": ""}
    assert form_values({"junk": "x"}) == {}


def test_malformed_payloads_are_none_not_crashes() -> None:
    assert parse_event({"event": "nope"}, "UBOT") is None
    assert parse_block_action({"type": "block_actions", "actions": []}, "UBOT") is None
    assert parse_view_submission({"type": "view_submission"}, "UBOT") is None
    assert parse_command({}, "UBOT") is None


def test_picked_channels_and_people_join_the_typed_targets_of_their_field() -> None:
    state = {
        "audience": {"audience": {"type": "plain_text_input", "value": "teams:19:abc"}},
        "audience.channels": {
            "audience.channels": {
                "type": "multi_conversations_select",
                "selected_conversations": ["C1", "G2"],
            }
        },
        "audience.people": {"audience.people": {"type": "multi_users_select", "selected_users": ["U3"]}},
        "results.people": {"results.people": {"type": "multi_users_select", "selected_users": []}},
    }
    assert form_values(state, "T9") == {
        "audience": "teams:19:abc slack:T9/C1 slack:T9/G2 slack:T9/U3",
        "results": "",
    }
    # Without a typed field, and without a known workspace, the picks alone.
    del state["audience"]
    assert form_values(state)["audience"] == "slack:C1 slack:G2 slack:U3"


def test_a_channel_picked_for_one_place_is_its_target_and_none_picked_leaves_the_typed_one() -> None:
    picked = {"results.channel": {"type": "conversations_select", "selected_conversation": "C5"}}
    assert form_values({"results.channel": picked}, "T9") == {"results": "slack:T9/C5"}
    typed = {"results": {"type": "plain_text_input", "value": "teams:19:x"}}
    none = {"results.channel": {"type": "conversations_select", "selected_conversation": None}}
    assert form_values({"results": typed, "results.channel": none}, "T9") == {"results": "teams:19:x"}


def test_a_pick_already_typed_or_picked_twice_counts_once() -> None:
    state = {
        "audience": {"audience": {"type": "plain_text_input", "value": "slack:C1 C2"}},
        "audience.channels": {
            "audience.channels": {
                "type": "multi_conversations_select",
                "selected_conversations": ["C1", "C2", "C2", "C3 slack:C4", None],
            }
        },
    }
    # C1 was typed already; "C2" typed is no TARGET, so the pick of C2 stands beside it (and is refused there);
    # what is no Slack id is left out.
    assert form_values(state, "T9")["audience"] == "slack:C1 C2 slack:T9/C2"
