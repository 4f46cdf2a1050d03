"""Exactly-once posts across a crash: each outbox post carries its delivery key as message metadata, and a
resumed send first reads the conversation's recent history for a message with that key.

Slack's wire format: chat.postMessage takes `metadata: {event_type, event_payload}`; conversations.history
returns it on each message with `include_all_metadata=true`, newest first, from `oldest` (a Slack ts); a thread's
replies are not in the history but in conversations.replies (`ts` of the thread's first message), oldest first.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from bot.core.types import ConversationRef, SentMessage

EVENT_TYPE = "clueline_delivery"
# One small page: a resumed send looks back only to when its row fell due, minutes at most in a fan-out.
# 15 is the most a page holds for apps under Slack's non-Marketplace history limits.
PAGE = 15
# Our clock and Slack's may disagree a little: look back this much further than the row fell due.
CLOCK_SKEW = timedelta(minutes=2)

Call = Callable[..., Awaitable[dict[str, Any]]]


def delivery_metadata(key: str) -> dict[str, Any]:
    """The metadata a keyed post carries (the outbox row's key: no personal data)."""
    return {"event_type": EVENT_TYPE, "event_payload": {"key": key}}


async def find_delivered(
    call: Call, conversation: ConversationRef, key: str, since: datetime
) -> SentMessage | None:
    """The message posted with `key` in the conversation (or its thread) since `since`, or None when there is none.

    Slack's errors propagate (RetryableSendError / PermanentSendError from the client).
    """
    channel = await _history_channel(call, conversation)
    params = {
        "channel": channel,
        "oldest": f"{(since - CLOCK_SKEW).timestamp():.6f}",
        "limit": PAGE,
        "include_all_metadata": "true",
    }
    if conversation.thread:
        params["ts"] = conversation.thread
    method = "conversations.replies" if conversation.thread else "conversations.history"
    answer = await call(conversation.workspace, method, params=params)
    for message in answer.get("messages") or []:
        metadata = message.get("metadata") or {}
        if (
            metadata.get("event_type") == EVENT_TYPE
            and (metadata.get("event_payload") or {}).get("key") == key
        ):
            return SentMessage(
                conversation=conversation.model_copy(update={"channel": channel}),
                message_id=str(message.get("ts", "")),
            )
    return None


async def _history_channel(call: Call, conversation: ConversationRef) -> str:
    """The conversation id history is read from: a DM posted to a user id (U...) lives in a D... channel."""
    if not (conversation.is_direct and conversation.channel.startswith(("U", "W"))):
        return conversation.channel
    answer = await call(conversation.workspace, "conversations.open", json={"users": conversation.channel})
    return str((answer.get("channel") or {}).get("id") or conversation.channel)
