"""Activities shaped as Teams really sends them (trimmed of fields nothing reads, like clientInfo details)."""

from __future__ import annotations

import itertools
from typing import Any

from tests.support.fake_teams import APP_ID, TENANT

BOT = {"id": f"28:{APP_ID}", "name": "Clueline"}
TEAM = "19:team-sales@thread.tacv2"
CHANNEL = "19:channel-general@thread.tacv2"
_ids = itertools.count(1732528800000)


def person(aad: str = "aad-ada", name: str = "Ada Lovelace") -> dict[str, str]:
    """A person as the `from` of an activity."""
    return {"id": f"29:1{aad}", "name": name, "aadObjectId": aad}


def _common(service_url: str, conversation: dict[str, Any], sender: dict[str, str]) -> dict[str, Any]:
    return {
        "id": str(next(_ids)),
        "timestamp": "2026-11-25T10:00:00.000Z",
        "localTimestamp": "2026-11-25T11:00:00.000+01:00",
        "channelId": "msteams",
        "serviceUrl": service_url,
        "from": sender,
        "conversation": conversation,
        "recipient": BOT,
        "locale": "en-US",
    }


def personal_conversation(aad: str = "aad-ada") -> dict[str, Any]:
    """The 1:1 chat between a person and the bot."""
    return {"conversationType": "personal", "tenantId": TENANT, "id": f"a:1chat-{aad}"}


def channel_conversation(root: str | None = None) -> dict[str, Any]:
    """A team channel, or one reply chain of it."""
    suffix = f";messageid={root}" if root else ""
    return {"isGroup": True, "conversationType": "channel", "tenantId": TENANT, "id": f"{CHANNEL}{suffix}"}


def channel_data(with_team: bool = False) -> dict[str, Any]:
    """channelData of personal (tenant only) and channel activities (team and channel too)."""
    data: dict[str, Any] = {"tenant": {"id": TENANT}}
    if with_team:
        data.update(
            {
                "teamsChannelId": CHANNEL,
                "teamsTeamId": TEAM,
                "channel": {"id": CHANNEL},
                "team": {"id": TEAM, "name": "Sales"},
            }
        )
    return data


def personal_message(service_url: str, text: str, aad: str = "aad-ada") -> dict[str, Any]:
    """Someone writes to the bot in their 1:1 chat."""
    activity = _common(service_url, personal_conversation(aad), person(aad))
    activity.update(
        {
            "type": "message",
            "text": text,
            "textFormat": "plain",
            "entities": [{"type": "clientInfo", "locale": "en-US", "timezone": "Europe/London"}],
            "channelData": channel_data(),
        }
    )
    return activity


def channel_mention(service_url: str, text_after_mention: str) -> dict[str, Any]:
    """A new channel post that @mentions the bot (its conversation id names the post as the thread root)."""
    activity = _common(service_url, {}, person())
    activity["conversation"] = channel_conversation(activity["id"])
    activity.update(
        {
            "type": "message",
            "text": f"<at>Clueline</at> {text_after_mention}",
            "textFormat": "plain",
            "entities": [
                {"type": "mention", "text": "<at>Clueline</at>", "mentioned": BOT},
                {"type": "clientInfo", "locale": "en-US"},
            ],
            "channelData": channel_data(with_team=True),
        }
    )
    return activity


def bot_added_to_team(service_url: str) -> dict[str, Any]:
    """conversationUpdate: the app was added to a team (arrives on the team's General channel)."""
    activity = _common(service_url, {**channel_conversation(), "id": CHANNEL}, person("aad-owner", "Owner"))
    activity.update(
        {
            "type": "conversationUpdate",
            "id": f"f:{next(_ids)}",
            "membersAdded": [BOT],
            "channelData": {**channel_data(with_team=True), "eventType": "teamMemberAdded"},
        }
    )
    return activity


def installation_update(service_url: str, action: str, aad: str = "aad-ada") -> dict[str, Any]:
    """installationUpdate in a personal scope: `add` or `remove`."""
    activity = _common(service_url, personal_conversation(aad), person(aad))
    activity.update(
        {
            "type": "installationUpdate",
            "id": f"f:{next(_ids)}",
            "action": action,
            "channelData": {**channel_data(), "source": {"name": "message"}},
        }
    )
    return activity


def card_submit(
    service_url: str, reply_to: str, data: dict[str, Any], aad: str = "aad-ada"
) -> dict[str, Any]:
    """An Action.Submit pressed on a card in a 1:1 chat: a message with `value` and no text."""
    activity = _common(service_url, personal_conversation(aad), person(aad))
    activity.update(
        {
            "type": "message",
            "replyToId": reply_to,
            "value": data,
            "channelData": {
                **channel_data(),
                "source": {"name": "message"},
                "legacy": {"replyToId": reply_to},
            },
        }
    )
    return activity


def card_action_invoke(
    service_url: str, reply_to: str, data: dict[str, Any], aad: str = "aad-ada"
) -> dict[str, Any]:
    """A Universal Action (`Action.Execute`) pressed on a card: an `adaptiveCard/action` invoke."""
    activity = _common(service_url, personal_conversation(aad), person(aad))
    activity.update(
        {
            "type": "invoke",
            "name": "adaptiveCard/action",
            "replyToId": reply_to,
            "value": {
                "action": {"type": "Action.Execute", "verb": data.get("action_id", ""), "data": data},
                "trigger": "manual",
            },
            "channelData": {**channel_data(), "source": {"name": "message"}},
        }
    )
    return activity


def submit_data(card: dict[str, Any], title: str) -> dict[str, Any]:
    """What pressing the card's button of that title submits."""
    for element in card["body"]:
        for action in element.get("actions", []):
            if action["title"] == title:
                data: dict[str, Any] = action["data"]
                return data
    raise AssertionError(f"no {title!r} button on the card")
