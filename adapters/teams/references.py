"""Core conversation references from Teams activities, and botbuilder's ConversationReference back from them."""

from __future__ import annotations

from typing import Any

from botbuilder.schema import Activity, ChannelAccount, ConversationAccount, ConversationReference

from bot.core.types import ConversationRef

PLATFORM = "teams"
CHANNEL_ID = "msteams"
THREAD_MARKER = ";messageid="


def tenant_of(activity: Activity) -> str:
    """The Entra tenant the activity came from (conversation first, then channelData)."""
    conversation = activity.conversation
    if conversation is not None and conversation.tenant_id:
        return str(conversation.tenant_id)
    tenant = _channel_data(activity).get("tenant")
    if isinstance(tenant, dict) and isinstance(tenant.get("id"), str):
        return str(tenant["id"])
    return ""


def team_of(activity: Activity) -> str | None:
    """The team id of a channel activity."""
    team = _channel_data(activity).get("team")
    if isinstance(team, dict) and isinstance(team.get("id"), str):
        return str(team["id"])
    return None


def conversation_ref(activity: Activity, thread: str | None = None) -> ConversationRef:
    """Where an activity happened; a channel conversation id's `;messageid=` part becomes the thread."""
    conversation = activity.conversation
    raw_id = str(conversation.id) if conversation is not None and conversation.id else ""
    channel, _, message_id = raw_id.partition(THREAD_MARKER)
    kind = str(conversation.conversation_type or "") if conversation is not None else ""
    extra: dict[str, str] = {}
    if kind:
        extra["type"] = kind
    team = team_of(activity)
    if team:
        extra["team"] = team
    if activity.recipient is not None and activity.recipient.name:
        extra["bot_name"] = str(activity.recipient.name)
    return ConversationRef(
        platform=PLATFORM,
        workspace=tenant_of(activity),
        channel=channel,
        # Only channels have reply chains; a chat's messages are all top level.
        thread=(message_id or thread) if kind == "channel" else None,
        service_url=activity.service_url,
        bot_id=activity.recipient.id if activity.recipient is not None else None,
        is_direct=kind == "personal",
        extra=extra,
    )


def is_threaded(conversation: ConversationRef) -> bool:
    """Whether a reference points into a channel's reply chain."""
    return (
        bool(conversation.thread)
        and conversation.extra.get("type", "channel") == "channel"
        and not (conversation.is_direct)
    )


def connector_conversation_id(conversation: ConversationRef) -> str:
    """The id the connector knows a conversation (or one thread of a channel) by."""
    if is_threaded(conversation):
        return f"{conversation.channel}{THREAD_MARKER}{conversation.thread}"
    return conversation.channel


def to_reference(conversation: ConversationRef, bot_id: str) -> ConversationReference:
    """botbuilder's reference for `continue_conversation`: tenant set, and the thread root to reply to."""
    kind = conversation.extra.get("type") or ("personal" if conversation.is_direct else "channel")
    return ConversationReference(
        activity_id=conversation.thread if is_threaded(conversation) else None,
        bot=ChannelAccount(id=conversation.bot_id or bot_id, name=conversation.extra.get("bot_name")),
        channel_id=CHANNEL_ID,
        conversation=ConversationAccount(
            id=connector_conversation_id(conversation),
            tenant_id=conversation.workspace or None,
            conversation_type=kind,
            is_group=not conversation.is_direct,
        ),
        service_url=conversation.service_url,
    )


def _channel_data(activity: Activity) -> dict[str, Any]:
    data = activity.channel_data
    return data if isinstance(data, dict) else {}
