"""The shape of a signed Slack payload, checked before bolt or parse.py read it.

Bolt's context extraction and listener matching, and our parse.py, index and call methods on the fields below
as the types Slack sends them (a team that is a string or an object with a string id, an `event` that is an
object...). Another type there raises inside bolt; so the payload is refused first, naming the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import parse_qsl

from adapters.http import safe_json

Json = Mapping[str, Any]


class BadShape(ValueError):
    """A payload Slack would not send; `reason` names the field, never its value."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class _Kind:
    """Fields of one kind of object: strings (or null), references (a string id or an object with one),
    nested objects and lists of objects (each by the name of its kind)."""

    texts: str = ""
    refs: str = ""
    objects: Mapping[str, str] = field(default_factory=dict)
    lists: Mapping[str, str] = field(default_factory=dict)

    @cached_property
    def roles(self) -> dict[str, tuple[str, str]]:
        """Each field's role (text, ref, object or list) and the kind of what it holds."""
        roles = {name: ("text", "") for name in self.texts.split()}
        roles |= {name: ("ref", "ref") for name in self.refs.split()}
        roles |= {name: ("object", inner) for name, inner in self.objects.items()}
        return roles | {name: ("list", inner) for name, inner in self.lists.items()}


_KINDS: dict[str, _Kind] = {
    "body": _Kind(
        texts="type token team_id api_app_id enterprise_id user_id channel_id trigger_id response_url event_id"
        " callback_id command text thread_ts action_id function_execution_id bot_access_token challenge"
        " context_team_id context_enterprise_id",
        refs="enterprise",
        # parse.py reads these as objects at the top (Slack sends bare ids there as team_id, user_id...).
        objects={"team": "ref", "user": "ref", "channel": "ref", "event": "event", "view": "view"}
        | {"container": "container", "message": "message", "function_data": "any"},
        lists={"authorizations": "authorization", "actions": "action", "response_urls": "response_url"},
    ),
    "event": _Kind(
        texts="type subtype text ts thread_ts event_ts channel_type tab user_team parent_user_id bot_id"
        " user_id channel_id function_execution_id bot_access_token",
        refs="team user channel",
        objects={"message": "message", "previous_message": "message", "item": "item"}
        | {"assistant_thread": "item", "tokens": "any"},
    ),
    "message": _Kind(
        texts="type subtype text ts thread_ts user_id bot_id parent_user_id", refs="team user channel"
    ),
    "item": _Kind(texts="type ts thread_ts channel_id", refs="channel"),
    "view": _Kind(
        texts="id type callback_id hash private_metadata team_id app_installed_team_id",
        objects={"state": "state"},
    ),
    "state": _Kind(objects={"values": "any"}),
    "container": _Kind(texts="type message_ts channel_id view_id thread_ts"),
    "action": _Kind(texts="type action_id block_id value action_ts", objects={"selected_option": "option"}),
    "option": _Kind(texts="value"),
    "authorization": _Kind(texts="team_id enterprise_id user_id"),
    "response_url": _Kind(texts="response_url block_id action_id channel_id"),
    "ref": _Kind(texts="id team_id enterprise_id name"),
    "any": _Kind(),
}
# What a payload of each type must carry for bolt to route it.
_REQUIRED: dict[str, tuple[str, ...]] = {
    "url_verification": ("challenge",),
    "block_suggestion": ("action_id",),
    "shortcut": ("callback_id",),
    "message_action": ("callback_id",),
    "interactive_message": ("callback_id",),
    "dialog_submission": ("callback_id",),
    "dialog_cancellation": ("callback_id",),
    "dialog_suggestion": ("callback_id",),
}


def decode(text: str, content_type: str | None) -> Json:
    """The payload as bolt reads it (JSON, a form with a JSON `payload`, or a plain form), shape-checked."""
    body: object
    if not text:
        body = {}
    elif content_type == "application/json" or text.startswith("{"):
        body = safe_json.loads(text)
    elif "payload" in text:  # bolt's own test: interactivity is a form field holding JSON
        payload = dict(parse_qsl(text, keep_blank_values=True)).get("payload")
        body = {} if payload is None else safe_json.loads(payload)
    else:
        body = dict(parse_qsl(text, keep_blank_values=True))
    if not isinstance(body, Mapping):
        raise BadShape("the payload is not an object")
    check(body)
    return body


def check(body: Json) -> None:
    """Raise BadShape unless every field bolt and parse.py read has the type Slack sends."""
    _check(body, "body", "")
    kind = body.get("type")
    for name in _REQUIRED.get(str(kind), ()):
        if not isinstance(body.get(name), str):
            raise BadShape(f"a {kind} payload needs a string {name}")
    if kind == "event_callback" and not isinstance((body.get("event") or {}).get("type"), str):
        raise BadShape("an event_callback needs an event with a string type")
    if kind == "block_actions":
        actions = body.get("actions")
        if not actions or not all(isinstance(a.get("action_id"), str) for a in actions):
            raise BadShape("a block_actions payload needs actions, each with a string action_id")
    view = body.get("view") or {}
    # bolt reads view["type"] of every submission (to tell workflow steps apart): without it, a KeyError.
    if kind in ("view_submission", "view_closed") and not (
        isinstance(view.get("callback_id"), str) and isinstance(view.get("type"), str)
    ):
        raise BadShape(f"a {kind} payload needs a view with a string callback_id and type")
    _check_state_values(body)


def _check(value: Json, kind: str, path: str) -> None:
    # Walks the fields the payload has (a few), not every field the kind knows (many): this runs on every event.
    roles = _KINDS[kind].roles
    for name, child in value.items():
        role = roles.get(name)
        if role is None or child is None:
            continue
        what, inner = role
        if what == "text":
            if not isinstance(child, str):
                raise BadShape(f"{path}{name} must be a string")
        elif what == "ref" and not isinstance(child, Mapping):
            if not isinstance(child, str):
                raise BadShape(f"{path}{name} must be a string or an object")
        elif what in ("ref", "object"):
            if not isinstance(child, Mapping):
                raise BadShape(f"{path}{name} must be an object")
            _check(child, inner, f"{path}{name}.")
        else:
            if not isinstance(child, list) or not all(isinstance(item, Mapping) for item in child):
                raise BadShape(f"{path}{name} must be a list of objects")
            for item in child:
                _check(item, inner, f"{path}{name}[].")


def _check_state_values(body: Json) -> None:
    # A modal's state.values: block id -> action id -> element; parse.py skips elements of other shapes.
    view = body.get("view") or {}
    values = (view.get("state") or {}).get("values")
    if values is not None and not isinstance(values, Mapping):
        raise BadShape("view.state.values must be an object")
