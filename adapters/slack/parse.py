"""Slack payloads (events, slash commands, interactivity) turned into core events.

Pure functions of the request body: no I/O, so every shape is unit-testable. None means "not for us".
"""

from __future__ import annotations

import functools
import re
from typing import Any

from adapters.slack.pickers import joined, picked
from bot.core.adapter import InboundEventT
from bot.core.types import (
    ActionEvent,
    ConversationRef,
    HomeOpened,
    InboundMessage,
    InstallEvent,
    UserRef,
)

PLATFORM = "slack"
Json = dict[str, Any]

# Subtypes that are still a person talking; every other subtype (edits, deletes, joins, bots) is ignored.
PERSON_SUBTYPES = {None, "file_share", "thread_broadcast"}
_SPACES = re.compile(r"[ \t]{2,}")
# A channel or person picked from Slack's menu arrives as <#C123|name> or <@U123|name>: the core reads places
# and people as TARGETs (slack:C123, slack:U123), so "pulse grant @ana" names Ana.
_CHANNEL_MENTION = re.compile(r"<#([A-Z0-9]+)(?:\|[^>]*)?>")
_PERSON_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


@functools.lru_cache(maxsize=256)  # one bot user per workspace; built per event, it cost the ack
def _mention_pattern(bot_user_id: str) -> re.Pattern[str]:
    return re.compile(rf"<@{re.escape(bot_user_id)}(\|[^>]*)?>")


def _as_target(mention: re.Match[str]) -> str:
    return f"{PLATFORM}:{mention.group(1)}"


def unescape(text: str) -> str:
    """Slack's message text escapes & < >; give the person's words back."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def strip_mentions(text: str, bot_user_id: str | None) -> str:
    """The text without `<@BOT>` mentions of the bot, other mentions as TARGETs, unescaped and trimmed."""
    if bot_user_id:
        text = _mention_pattern(bot_user_id).sub(" ", text)
    text = _PERSON_MENTION.sub(_as_target, _CHANNEL_MENTION.sub(_as_target, text))
    return _SPACES.sub(" ", unescape(text)).strip()


def message_key(workspace: str, channel: str, ts: str) -> str:
    """One key for a message however many events deliver it (`message` and `app_mention`)."""
    return f"msg:{workspace}:{channel}:{ts}"


def _user(workspace: str, user_id: str) -> UserRef:
    return UserRef(platform=PLATFORM, workspace=workspace, user_id=user_id)


def _conversation(
    workspace: str, channel: str, *, thread: str | None, is_direct: bool, bot_user_id: str | None
) -> ConversationRef:
    return ConversationRef(
        platform=PLATFORM,
        workspace=workspace,
        channel=channel,
        thread=thread,
        bot_id=bot_user_id,
        is_direct=is_direct,
    )


def _workspace(body: Json) -> str:
    team = (
        body.get("team_id") or (body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id")
    )
    return str(team or "")


def parse_event(body: Json, bot_user_id: str | None) -> InboundEventT | None:
    """An Events API envelope (`event_callback`) as a core event, or None when it is not for the bot."""
    event = body.get("event")
    if not isinstance(event, dict):
        return None
    kind = event.get("type")
    workspace = _workspace(body)
    event_id = str(body.get("event_id") or "")
    if kind in ("message", "app_mention"):
        return _parse_message(event, workspace, bot_user_id, is_mention=kind == "app_mention")
    if kind == "app_home_opened":
        if event.get("tab", "home") != "home" or not event.get("user"):
            return None
        return HomeOpened(event_id=event_id, user=_user(workspace, str(event["user"])))
    if kind == "app_uninstalled":
        return InstallEvent(event_id=event_id, platform=PLATFORM, workspace=workspace, change="uninstalled")
    if kind == "tokens_revoked":
        return InstallEvent(
            event_id=event_id, platform=PLATFORM, workspace=workspace, change="tokens_revoked"
        )
    if kind in ("member_joined_channel", "channel_left", "group_left") and event.get("channel"):
        if kind == "member_joined_channel" and event.get("user") != bot_user_id:
            return None
        conversation = _conversation(
            workspace, str(event["channel"]), thread=None, is_direct=False, bot_user_id=bot_user_id
        )
        return InstallEvent(
            event_id=event_id,
            platform=PLATFORM,
            workspace=workspace,
            change="added_to_conversation" if kind == "member_joined_channel" else "removed",
            conversation=conversation,
        )
    return None


def _parse_message(
    event: Json, workspace: str, bot_user_id: str | None, *, is_mention: bool
) -> InboundMessage | None:
    if event.get("subtype") not in PERSON_SUBTYPES or event.get("bot_id") or event.get("bot_profile"):
        return None
    user_id = event.get("user")
    channel = event.get("channel")
    ts = event.get("ts")
    if not user_id or not channel or not ts or user_id == bot_user_id:
        return None
    text = str(event.get("text") or "")
    is_direct = event.get("channel_type") == "im" or (not is_mention and str(channel).startswith("D"))
    mentions_bot = is_mention or bool(bot_user_id and _mention_pattern(bot_user_id).search(text))
    thread_ts = event.get("thread_ts")
    in_thread = bool(thread_ts) and thread_ts != ts
    in_bot_thread = in_thread and bool(bot_user_id) and event.get("parent_user_id") == bot_user_id
    if not (is_direct or mentions_bot or in_bot_thread):
        return None  # channel chatter not addressed to the bot
    return InboundMessage(
        event_id=message_key(workspace, str(channel), str(ts)),
        conversation=_conversation(
            workspace,
            str(channel),
            thread=str(thread_ts) if in_thread else None,
            is_direct=is_direct,
            bot_user_id=bot_user_id,
        ),
        user=_user(workspace, str(user_id)),
        text=strip_mentions(text, bot_user_id),
        message_id=str(ts),
        is_direct=is_direct,
        mentions_bot=mentions_bot,
        in_bot_thread=in_bot_thread,
    )


def parse_command(body: Json, bot_user_id: str | None) -> InboundMessage | None:
    """A `/clueline ...` slash command; its answer goes to the person's DM with the bot.

    Slack posts a slash command from any channel, including ones the bot is not in, so the DM (posted
    to the user id) is the one place an answer can always go.
    """
    user_id = body.get("user_id")
    if not user_id:
        return None
    workspace = str(body.get("team_id") or "")
    text = strip_mentions(str(body.get("text") or ""), bot_user_id) or "help"
    trigger_id = body.get("trigger_id")
    return InboundMessage(
        event_id=f"cmd:{workspace}:{user_id}:{trigger_id or body.get('command_ts') or text}",
        conversation=_conversation(
            workspace, str(user_id), thread=None, is_direct=True, bot_user_id=bot_user_id
        ),
        user=_user(workspace, str(user_id)),
        text=text,
        is_direct=True,
        is_command=True,
        trigger_id=str(trigger_id) if trigger_id else None,
    )


def _action_value(action: Json) -> tuple[str, str]:
    if action.get("type") == "static_select" or "selected_option" in action:
        selected = action.get("selected_option") or {}
        return str(selected.get("value") or ""), "choice"
    return str(action.get("value") or ""), "button"


def parse_block_action(body: Json, bot_user_id: str | None) -> ActionEvent | None:
    """A `block_actions` payload (button press or select) as an ActionEvent."""
    actions = body.get("actions") or []
    user = body.get("user") or {}
    if not actions or not user.get("id"):
        return None
    action = actions[0]
    workspace = _workspace(body)
    container = body.get("container") or {}
    message = body.get("message") or {}
    message_ts = container.get("message_ts") or message.get("ts")
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
    conversation = None
    if channel:
        thread_ts = message.get("thread_ts")
        conversation = _conversation(
            workspace,
            str(channel),
            thread=str(thread_ts) if thread_ts and thread_ts != message_ts else None,
            is_direct=str(channel).startswith("D"),
            bot_user_id=bot_user_id,
        )
    value, source = _action_value(action)
    action_id = str(action.get("action_id") or "")
    # Interactions carry no event id; this tuple is stable across Slack's redeliveries of one click. It leaves
    # out the action id: a pulse's answer buttons are `pulse.answer.N`, and a key must never carry an answer.
    key = f"act:{workspace}:{user['id']}:{message_ts or container.get('view_id')}:{action.get('action_ts')}"
    return ActionEvent(
        event_id=key,
        conversation=conversation,
        user=_user(workspace, str(user["id"])),
        action_id=action_id,
        value=value,
        message_id=str(message_ts) if message_ts else None,
        trigger_id=body.get("trigger_id"),
        source=source,  # type: ignore[arg-type]
    )


def form_values(state_values: Json, workspace: str = "") -> dict[str, str]:
    """A modal's `state.values` as {action_id: value} (text inputs and selects); what was picked in a field's
    channel and people pickers joins its typed value as TARGETs (adapters/slack/pickers.py)."""
    values: dict[str, str] = {}
    picks: dict[str, list[str]] = {}
    for block in state_values.values():
        if not isinstance(block, dict):
            continue
        for action_id, element in block.items():
            if not isinstance(element, dict):
                continue
            picker = picked(action_id, element, workspace)
            if picker is not None:
                picks.setdefault(picker[0], []).extend(picker[1])
            elif "selected_option" in element:
                selected = element.get("selected_option") or {}
                values[action_id] = str(selected.get("value") or "")
            else:
                values[action_id] = str(element.get("value") or "")
    for action_id, targets in picks.items():
        values[action_id] = joined(values.get(action_id, ""), targets, workspace)
    return values


def parse_view_submission(body: Json, bot_user_id: str | None) -> ActionEvent | None:
    """A modal submit as an ActionEvent (`form_submit`); its answer goes to the person's DM."""
    view = body.get("view") or {}
    user = body.get("user") or {}
    if not view.get("callback_id") or not user.get("id"):
        return None
    workspace = _workspace(body)
    user_id = str(user["id"])
    return ActionEvent(
        event_id=f"view:{workspace}:{user_id}:{view.get('id')}:{view.get('hash')}",
        conversation=_conversation(workspace, user_id, thread=None, is_direct=True, bot_user_id=bot_user_id),
        user=_user(workspace, user_id),
        action_id=str(view["callback_id"]),
        value=str(view.get("private_metadata") or ""),
        form_values=form_values((view.get("state") or {}).get("values") or {}, workspace),
        trigger_id=body.get("trigger_id"),
        source="form_submit",
    )
