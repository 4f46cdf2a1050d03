"""Core conversation references from Teams activities (their JSON), and where on the connector a reference points.

Both backends read and write the same `ConversationRef`s, so references stored by one stay valid on the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from adapters.teams.wire import obj, text
from bot.core.types import ConversationRef

PLATFORM = "teams"
CHANNEL_ID = "msteams"
THREAD_MARKER = ";messageid="

Json = dict[str, Any]


def tenant_of(activity: Json) -> str:
    """The Entra tenant the activity came from (conversation first, then channelData)."""
    tenant = text(obj(activity, "conversation"), "tenantId")
    return tenant or text(obj(obj(activity, "channelData"), "tenant"), "id") or ""


def team_of(activity: Json) -> str | None:
    """The team id of a channel activity."""
    return text(obj(obj(activity, "channelData"), "team"), "id")


def conversation_ref(activity: Json, thread: str | None = None) -> ConversationRef:
    """Where an activity happened; a channel conversation id's `;messageid=` part becomes the thread."""
    conversation = obj(activity, "conversation")
    channel, _, message_id = (text(conversation, "id") or "").partition(THREAD_MARKER)
    kind = text(conversation, "conversationType") or ""
    extra: dict[str, str] = {}
    if kind:
        extra["type"] = kind
    team = team_of(activity)
    if team:
        extra["team"] = team
    recipient = obj(activity, "recipient")
    bot_name = text(recipient, "name")
    if bot_name:
        extra["bot_name"] = bot_name
    return ConversationRef(
        platform=PLATFORM,
        workspace=tenant_of(activity),
        channel=channel,
        # Only channels have reply chains; a chat's messages are all top level.
        thread=(message_id or thread) if kind == "channel" else None,
        service_url=text(activity, "serviceUrl"),
        bot_id=text(recipient, "id"),
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


@dataclass(frozen=True)
class Address:
    """Where on the Bot Connector a reference points: the wire form every backend sends to."""

    service_url: str
    conversation_id: str
    reply_to: str | None
    tenant: str
    kind: str
    is_group: bool
    bot_id: str
    bot_name: str | None

    def conversation_json(self) -> Json:
        """The `conversation` account of an activity sent here."""
        account: Json = {"id": self.conversation_id, "conversationType": self.kind, "isGroup": self.is_group}
        if self.tenant:
            account["tenantId"] = self.tenant
        return account

    def bot_json(self) -> Json:
        """The bot's own account, as the sender."""
        return {"id": self.bot_id, **({"name": self.bot_name} if self.bot_name else {})}

    def addressed(self, activity: Json) -> Json:
        """A copy of an outgoing activity's JSON addressed from the bot to this conversation."""
        outgoing = {
            **activity,
            "channelId": CHANNEL_ID,
            "serviceUrl": self.service_url,
            "conversation": self.conversation_json(),
            "from": self.bot_json(),
        }
        if self.reply_to:
            outgoing["replyToId"] = self.reply_to
        return outgoing


def address_of(conversation: ConversationRef, bot_id: str) -> Address:
    """The connector address of a stored reference (`service_url` must be known)."""
    return Address(
        service_url=conversation.service_url or "",
        conversation_id=connector_conversation_id(conversation),
        reply_to=conversation.thread if is_threaded(conversation) else None,
        tenant=conversation.workspace,
        kind=conversation.extra.get("type") or ("personal" if conversation.is_direct else "channel"),
        is_group=not conversation.is_direct,
        bot_id=conversation.bot_id or bot_id,
        bot_name=conversation.extra.get("bot_name"),
    )
