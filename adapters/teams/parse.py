"""Teams activities (their JSON, whichever SDK received them) as core events: messages, card submits, card
invokes, installs and removals."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from adapters.teams.cards import ACTION_KEY, FORM_KEY, METADATA_KEY, VALUE_KEY
from adapters.teams.pickers import with_picked_people
from adapters.teams.references import PLATFORM, Json, conversation_ref, tenant_of
from adapters.teams.wire import obj, objects, text
from bot.core.types import ActionEvent, InboundMessage, InstallEvent, UserRef

CARD_ACTION_INVOKE = "adaptiveCard/action"
TeamsEvent = InboundMessage | ActionEvent | InstallEvent

_SPACES = re.compile(r"[ \t\u00a0]+")


def event_id(activity: Json) -> str:
    """The dedupe key: the activity id, scoped to its conversation (ids are only unique there)."""
    conversation = text(obj(activity, "conversation"), "id") or ""
    scope = hashlib.sha256(conversation.encode()).hexdigest()[:16]
    return f"{text(activity, 'id') or ''}@{scope}"[:200]


def sender(activity: Json) -> UserRef | None:
    """Who sent the activity: their Entra object id when Teams gives it (it does for people)."""
    account = obj(activity, "from")
    account_id = text(account, "id")
    if not account_id:
        return None
    return UserRef(
        platform=PLATFORM,
        workspace=tenant_of(activity),
        user_id=text(account, "aadObjectId") or account_id,
        display_name=text(account, "name"),
        is_bot=account_id.startswith("28:"),
    )


def parse_activity(activity: Json) -> TeamsEvent | None:
    """The core event of an activity, or None for activities the bot has nothing to do with."""
    kind = text(activity, "type")
    if kind == "message":
        return _message(activity)
    if kind == "invoke" and text(activity, "name") == CARD_ACTION_INVOKE:
        return _card_invoke(activity)
    if kind == "conversationUpdate":
        return _conversation_update(activity)
    if kind == "installationUpdate":
        return _installation_update(activity)
    return None


def strip_bot_mention(activity: Json) -> tuple[str, bool]:
    """The message text without the `<at>Bot</at>` of the bot's own mention, and whether there was one.

    Other mentions become TARGETs (`<at>Ana</at>` → teams:29:…), as the core reads people and places, so
    "pulse grant @Ana" names Ana.
    """
    message = text(activity, "text") or ""
    bot_id = text(obj(activity, "recipient"), "id")
    mentioned = False
    for entity in objects(activity, "entities"):
        if entity.get("type") != "mention":
            continue
        mention_id = text(obj(entity, "mentioned"), "id")
        mention_text = text(entity, "text")
        if mention_id == bot_id:
            mentioned = True
            if mention_text:
                message = message.replace(mention_text, " ")
        elif mention_id and mention_text:
            message = message.replace(mention_text, f"{PLATFORM}:{mention_id}")
    return _SPACES.sub(" ", message).strip(), mentioned


def _message(activity: Json) -> TeamsEvent | None:
    user = sender(activity)
    if user is None or user.is_bot:
        return None
    value = activity.get("value")
    if isinstance(value, dict) and isinstance(value.get(ACTION_KEY), str):
        return _action(activity, user, value)
    message, mentioned = strip_bot_mention(activity)
    conversation = conversation_ref(activity, thread=text(activity, "id"))
    return InboundMessage(
        event_id=event_id(activity),
        conversation=conversation if not conversation.is_direct else conversation.in_thread(None),
        user=user,
        text=message,
        message_id=text(activity, "id"),
        is_direct=conversation.is_direct,
        mentions_bot=mentioned,
        # Teams delivers channel messages to a bot only when it is mentioned, or inside its own threads.
        in_bot_thread=False,
    )


def _card_invoke(activity: Json) -> ActionEvent | None:
    user = sender(activity)
    action = obj(obj(activity, "value"), "action")
    data = obj(action, "data")
    if user is None:
        return None
    if not isinstance(data.get(ACTION_KEY), str) and isinstance(action.get("verb"), str):
        data = {**data, ACTION_KEY: action["verb"]}
    if not isinstance(data.get(ACTION_KEY), str):
        return None
    return _action(activity, user, data)


def _action(activity: Json, user: UserRef, data: dict[str, Any]) -> ActionEvent:
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
        form_values=with_picked_people(inputs) if is_form else inputs,
        message_id=text(activity, "replyToId"),
        source="form_submit" if is_form else ("choice" if action_id in inputs else "card_submit"),
    )


def _conversation_update(activity: Json) -> InstallEvent | None:
    bot_id = text(obj(activity, "recipient"), "id")
    added = any(text(member, "id") == bot_id for member in objects(activity, "membersAdded"))
    removed = any(text(member, "id") == bot_id for member in objects(activity, "membersRemoved"))
    if bot_id is None or not (added or removed):
        return None
    return InstallEvent(
        event_id=event_id(activity),
        platform=PLATFORM,
        workspace=tenant_of(activity),
        change="added_to_conversation" if added else "removed",
        conversation=conversation_ref(activity).in_thread(None),
        user=sender(activity),
    )


def _installation_update(activity: Json) -> InstallEvent | None:
    action = text(activity, "action") or ""
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
