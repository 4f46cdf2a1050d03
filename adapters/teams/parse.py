"""Teams activities as core events: messages, card submits, card invokes, installs and removals."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from botbuilder.schema import Activity, ActivityTypes

from adapters.teams.cards import ACTION_KEY, FORM_KEY, METADATA_KEY, VALUE_KEY
from adapters.teams.references import PLATFORM, conversation_ref, tenant_of
from bot.core.types import ActionEvent, InboundMessage, InstallEvent, UserRef

CARD_ACTION_INVOKE = "adaptiveCard/action"
TeamsEvent = InboundMessage | ActionEvent | InstallEvent

_SPACES = re.compile(r"[ \t\u00a0]+")


def event_id(activity: Activity) -> str:
    """The dedupe key: the activity id, scoped to its conversation (ids are only unique there)."""
    conversation = activity.conversation.id if activity.conversation is not None else ""
    scope = hashlib.sha256(str(conversation).encode()).hexdigest()[:16]
    return f"{activity.id or ''}@{scope}"[:200]


def sender(activity: Activity) -> UserRef | None:
    """Who sent the activity: their Entra object id when Teams gives it (it does for people)."""
    account = activity.from_property
    if account is None or not account.id:
        return None
    return UserRef(
        platform=PLATFORM,
        workspace=tenant_of(activity),
        user_id=str(account.aad_object_id or account.id),
        display_name=account.name,
        is_bot=str(account.id).startswith("28:"),
    )


def parse_activity(activity: Activity) -> TeamsEvent | None:
    """The core event of an activity, or None for activities the bot has nothing to do with."""
    if activity.type == ActivityTypes.message:
        return _message(activity)
    if activity.type == ActivityTypes.invoke and activity.name == CARD_ACTION_INVOKE:
        return _card_invoke(activity)
    if activity.type == ActivityTypes.conversation_update:
        return _conversation_update(activity)
    if activity.type == ActivityTypes.installation_update:
        return _installation_update(activity)
    return None


def strip_bot_mention(activity: Activity) -> tuple[str, bool]:
    """The message text without the `<at>Bot</at>` of the bot's own mention, and whether there was one."""
    text = str(activity.text or "")
    bot_id = activity.recipient.id if activity.recipient is not None else None
    mentioned = False
    for entity in activity.entities or []:
        if entity.type != "mention":
            continue
        props: dict[str, Any] = entity.additional_properties or {}
        mentioned_account = props.get("mentioned") or {}
        if not isinstance(mentioned_account, dict) or mentioned_account.get("id") != bot_id:
            continue
        mentioned = True
        mention_text = props.get("text")
        if isinstance(mention_text, str) and mention_text:
            text = text.replace(mention_text, " ")
    return _SPACES.sub(" ", text).strip(), mentioned


def _message(activity: Activity) -> TeamsEvent | None:
    user = sender(activity)
    if user is None or user.is_bot:
        return None
    value = activity.value
    if isinstance(value, dict) and isinstance(value.get(ACTION_KEY), str):
        return _action(activity, user, value)
    text, mentioned = strip_bot_mention(activity)
    conversation = conversation_ref(activity, thread=activity.id)
    return InboundMessage(
        event_id=event_id(activity),
        conversation=conversation if not conversation.is_direct else conversation.in_thread(None),
        user=user,
        text=text,
        message_id=activity.id,
        is_direct=conversation.is_direct,
        mentions_bot=mentioned,
        # Teams delivers channel messages to a bot only when it is mentioned, or inside its own threads.
        in_bot_thread=False,
    )


def _card_invoke(activity: Activity) -> ActionEvent | None:
    user = sender(activity)
    value = activity.value if isinstance(activity.value, dict) else {}
    action = value.get("action") if isinstance(value.get("action"), dict) else {}
    assert isinstance(action, dict)
    data = action.get("data") if isinstance(action.get("data"), dict) else {}
    assert isinstance(data, dict)
    if user is None:
        return None
    if not isinstance(data.get(ACTION_KEY), str) and isinstance(action.get("verb"), str):
        data = {**data, ACTION_KEY: action["verb"]}
    if not isinstance(data.get(ACTION_KEY), str):
        return None
    return _action(activity, user, data)


def _action(activity: Activity, user: UserRef, data: dict[str, Any]) -> ActionEvent:
    action_id = str(data[ACTION_KEY])
    inputs = {
        str(key): _as_text(item)
        for key, item in data.items()
        if key not in (ACTION_KEY, VALUE_KEY, FORM_KEY, METADATA_KEY) and not str(key).startswith("msteams")
    }
    # A choice's submit carries the picked option under the choice's own id.
    value = (
        _as_text(data.get(VALUE_KEY)) if data.get(VALUE_KEY) not in (None, "") else inputs.get(action_id, "")
    )
    is_form = data.get(FORM_KEY) == "1"
    if is_form and data.get(METADATA_KEY):
        inputs[METADATA_KEY] = _as_text(data[METADATA_KEY])
    conversation = conversation_ref(activity)
    return ActionEvent(
        event_id=event_id(activity),
        conversation=conversation,
        user=user,
        action_id=action_id,
        value=value,
        form_values=inputs,
        message_id=activity.reply_to_id,
        source="form_submit" if is_form else ("choice" if action_id in inputs else "card_submit"),
    )


def _conversation_update(activity: Activity) -> InstallEvent | None:
    bot_id = activity.recipient.id if activity.recipient is not None else None
    added = any(member.id == bot_id for member in activity.members_added or [])
    removed = any(member.id == bot_id for member in activity.members_removed or [])
    if not (added or removed):
        return None
    return InstallEvent(
        event_id=event_id(activity),
        platform=PLATFORM,
        workspace=tenant_of(activity),
        change="added_to_conversation" if added else "removed",
        conversation=conversation_ref(activity).in_thread(None),
        user=sender(activity),
    )


def _installation_update(activity: Activity) -> InstallEvent | None:
    action = str(activity.action or "")
    if action.startswith("add"):
        change = "added_to_conversation"
    elif action.startswith("remove"):
        change = "removed"
    else:
        return None
    return InstallEvent(
        event_id=event_id(activity),
        platform=PLATFORM,
        workspace=tenant_of(activity),
        change=change,  # type: ignore[arg-type]
        conversation=conversation_ref(activity).in_thread(None),
        user=sender(activity),
    )


def _as_text(item: Any) -> str:
    return item if isinstance(item, str) else "" if item is None else str(item)
