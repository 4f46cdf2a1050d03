"""Real Slack payload shapes (after bolt's own test fixtures and Slack's docs), signed like Slack signs them."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import quote, urlencode

from slack_sdk.signature import SignatureVerifier

SECRET = "test-signing-secret"
TEAM = "T0001"
BOT_USER = "UBOT"
Json = dict[str, Any]


def signed_headers(
    body: str, *, secret: str = SECRET, timestamp: int | None = None, content_type: str
) -> dict[str, str]:
    """The headers Slack sends: X-Slack-Request-Timestamp and the v0 HMAC of `v0:{ts}:{body}`."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    return {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": str(signature),
        "Content-Type": content_type,
    }


def event_body(event: Json, event_id: str) -> str:
    """An Events API envelope (`event_callback`) around one event."""
    return json.dumps(
        {
            "token": "verification-token",
            "team_id": TEAM,
            "api_app_id": "A0001",
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": TEAM,
                    "user_id": BOT_USER,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
        }
    )


def app_mention(
    text: str,
    *,
    channel: str = "C0001",
    ts: str = "1700000001.000100",
    user: str = "U0001",
    thread_ts: str | None = None,
) -> Json:
    event: Json = {
        "type": "app_mention",
        "user": user,
        "text": text,
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
        "team": TEAM,
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def channel_message(
    text: str, *, channel: str = "C0001", ts: str = "1700000001.000100", user: str = "U0001", **extra: Any
) -> Json:
    return {
        "type": "message",
        "channel_type": "channel",
        "user": user,
        "text": text,
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
        "team": TEAM,
        **extra,
    }


def direct_message(
    text: str, *, channel: str = "D0001", ts: str = "1700000002.000100", user: str = "U0001", **extra: Any
) -> Json:
    return {
        "type": "message",
        "channel_type": "im",
        "user": user,
        "text": text,
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
        "team": TEAM,
        **extra,
    }


def home_opened(user: str = "U0001") -> Json:
    return {
        "type": "app_home_opened",
        "user": user,
        "channel": "D0001",
        "tab": "home",
        "event_ts": "1700000003.000100",
    }


def url_verification(challenge: str) -> str:
    return json.dumps({"token": "verification-token", "challenge": challenge, "type": "url_verification"})


def slash_command(
    text: str,
    *,
    user: str = "U0001",
    channel: str = "C0001",
    trigger_id: str = "13345224609.738474920.8088930838d88f008e0",
) -> str:
    """A slash command as Slack posts it: form-encoded."""
    return urlencode(
        {
            "token": "verification-token",
            "team_id": TEAM,
            "team_domain": "fake",
            "channel_id": channel,
            "channel_name": "general",
            "user_id": user,
            "user_name": "dana",
            "command": "/clueline",
            "text": text,
            "api_app_id": "A0001",
            "response_url": "https://hooks.slack.com/commands/T0001/1/x",
            "trigger_id": trigger_id,
        }
    )


def interactive(payload: Json) -> str:
    """Interactivity is form-encoded with one `payload` field of JSON."""
    return f"payload={quote(json.dumps(payload))}"


def block_actions(
    action: Json,
    *,
    user: str = "U0001",
    channel: str = "C0001",
    message_ts: str = "1700000005.000100",
    trigger_id: str = "111.222.abc",
) -> Json:
    return {
        "type": "block_actions",
        "user": {"id": user, "username": "dana", "name": "dana", "team_id": TEAM},
        "api_app_id": "A0001",
        "token": "verification-token",
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel,
            "is_ephemeral": False,
        },
        "trigger_id": trigger_id,
        "team": {"id": TEAM, "domain": "fake"},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel, "name": "general"},
        "message": {
            "type": "message",
            "user": BOT_USER,
            "ts": message_ts,
            "bot_id": "BBOT",
            "text": "question",
            "team": TEAM,
        },
        "response_url": "https://hooks.slack.com/actions/T0001/1/x",
        "actions": [action],
    }


def button(action_id: str, value: str, action_ts: str = "1700000006.000100") -> Json:
    return {
        "action_id": action_id,
        "block_id": "b1",
        "text": {"type": "plain_text", "text": "Press", "emoji": True},
        "value": value,
        "type": "button",
        "action_ts": action_ts,
    }


def static_select(action_id: str, value: str, action_ts: str = "1700000007.000100") -> Json:
    return {
        "type": "static_select",
        "action_id": action_id,
        "block_id": "b2",
        "selected_option": {"text": {"type": "plain_text", "text": value}, "value": value},
        "placeholder": {"type": "plain_text", "text": "Pick"},
        "action_ts": action_ts,
    }


def view_submission(
    callback_id: str, values: Json, *, user: str = "U0001", private_metadata: str = ""
) -> Json:
    return {
        "type": "view_submission",
        "team": {"id": TEAM, "domain": "fake"},
        "user": {"id": user, "username": "dana", "name": "dana", "team_id": TEAM},
        "api_app_id": "A0001",
        "token": "verification-token",
        "trigger_id": "333.444.def",
        "view": {
            "id": "V0001",
            "team_id": TEAM,
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": private_metadata,
            "hash": "1700000008.abcdef",
            "state": {"values": values},
            "blocks": [],
        },
        "response_urls": [],
        "is_enterprise_install": False,
    }
