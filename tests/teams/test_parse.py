"""Teams activity shapes as core events."""

from __future__ import annotations

from typing import Any

from adapters.teams.parse import parse_activity
from adapters.teams.references import address_of
from bot.core.types import ActionEvent, InboundMessage, InstallEvent
from tests.support.fake_teams import TENANT
from tests.teams.shapes import (
    BOT,
    CHANNEL,
    bot_added_to_team,
    card_action_invoke,
    card_submit,
    channel_mention,
    installation_update,
    personal_message,
)

SERVICE = "https://smba.trafficmanager.net/emea/"


def parse(body: dict[str, Any]) -> Any:
    return parse_activity(body)


def test_a_personal_message_is_direct_from_the_persons_entra_id() -> None:
    event = parse(personal_message(SERVICE, "  help  "))
    assert isinstance(event, InboundMessage)
    assert (event.text, event.is_direct, event.user.user_id, event.user.workspace) == (
        "help",
        True,
        "aad-ada",
        TENANT,
    )
    assert event.conversation.channel == "a:1chat-aad-ada"
    assert event.conversation.thread is None
    assert (event.conversation.service_url, event.conversation.bot_id) == (SERVICE, BOT["id"])


def test_a_channel_mention_loses_the_mention_and_keeps_its_thread() -> None:
    body = channel_mention(SERVICE, "ask how do I export?")
    event = parse(body)
    assert isinstance(event, InboundMessage)
    assert event.text == "ask how do I export?"
    assert event.mentions_bot and not event.is_direct
    assert (event.conversation.channel, event.conversation.thread) == (CHANNEL, body["id"])
    assert event.conversation.extra["team"].startswith("19:team")


def test_a_mention_of_someone_else_reaches_the_core_as_a_target() -> None:
    body = channel_mention(SERVICE, "pulse grant <at>Grace</at>")
    body["entities"].append({"type": "mention", "text": "<at>Grace</at>", "mentioned": {"id": "29:1grace"}})
    event = parse(body)
    assert event.text == "pulse grant teams:29:1grace"


def test_a_group_chat_has_no_threads() -> None:
    body = channel_mention(SERVICE, "help")
    body["conversation"] = {
        "isGroup": True,
        "conversationType": "groupChat",
        "tenantId": TENANT,
        "id": "19:chat@thread.v2",
    }
    event = parse(body)
    assert event.conversation.thread is None
    address = address_of(event.conversation.in_thread("123"), BOT["id"])
    assert address.conversation_id == "19:chat@thread.v2" and address.reply_to is None


def test_a_channel_reference_points_replies_into_the_thread() -> None:
    event = parse(channel_mention(SERVICE, "help"))
    address = address_of(event.conversation, BOT["id"])
    assert address.conversation_id == f"{CHANNEL};messageid={event.conversation.thread}"
    assert address.reply_to == event.conversation.thread
    assert address.tenant == TENANT


def test_an_action_submit_is_an_action_on_the_card_it_came_from() -> None:
    event = parse(card_submit(SERVICE, "activity-3", {"action_id": "pulse:answer", "value": "9"}))
    assert isinstance(event, ActionEvent)
    assert (event.action_id, event.value, event.message_id, event.source) == (
        "pulse:answer",
        "9",
        "activity-3",
        "card_submit",
    )


def test_an_invoke_with_only_a_verb_uses_the_verb_as_action_id() -> None:
    body = card_action_invoke(SERVICE, "activity-4", {})
    body["value"]["action"]["verb"] = "pulse:close"
    event = parse(body)
    assert isinstance(event, ActionEvent) and event.action_id == "pulse:close"


def test_install_events() -> None:
    added = parse(bot_added_to_team(SERVICE))
    assert isinstance(added, InstallEvent) and added.conversation is not None
    assert (added.change, added.workspace, added.conversation.channel) == (
        "added_to_conversation",
        TENANT,
        CHANNEL,
    )
    removed = parse(installation_update(SERVICE, "remove"))
    assert isinstance(removed, InstallEvent) and removed.change == "removed"
    assert parse(installation_update(SERVICE, "add-upgrade")).change == "added_to_conversation"


def test_someone_else_joining_a_team_is_not_an_install() -> None:
    body = bot_added_to_team(SERVICE)
    body["membersAdded"] = [{"id": "29:1newcomer"}]
    assert parse(body) is None


def test_the_bots_own_messages_and_unknown_activities_are_ignored() -> None:
    own = personal_message(SERVICE, "echo")
    own["from"] = BOT
    assert parse(own) is None
    assert parse({**personal_message(SERVICE, ""), "type": "typing"}) is None


def test_redeliveries_share_an_event_id_and_other_conversations_do_not() -> None:
    first = personal_message(SERVICE, "help", aad="aad-a")
    other = {**first, "conversation": {**first["conversation"], "id": "a:1chat-other"}}
    assert parse(first).event_id == parse(dict(first)).event_id
    assert parse(first).event_id != parse(other).event_id
