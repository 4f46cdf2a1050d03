"""Slack's own channel and people pickers beside a form field that takes TARGETs (`TextInput.picks`).

A comms lead picks `#general` and Ana from Slack's lists instead of typing `slack:C0123 slack:U0456`; what is
picked comes back as TARGETs in the field's value, after what was typed there. A field for one place (where
results go) gets one channel picker.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bot.core.targets import TargetError, parse_target

Json = dict[str, Any]

# Suffixes of the pickers' block and action ids after the field's own id (a Slack block id is unique per view).
CHANNELS = ".channels"
PEOPLE = ".people"
CHANNEL = ".channel"
# What Slack's ids look like (C0123, G0123, U0123, W0123): anything else picked is no id and is left out.
_SLACK_ID = re.compile(r"^[A-Z0-9]{2,40}$")
# Slack refuses more initial options than an element may hold; the rest stay typed.
MAX_INITIAL = 100


def picker_blocks(
    action_id: str, initial: str, workspace: str = "", *, one_place: bool = False
) -> tuple[list[Json], str]:
    """The channel and people pickers for a field (a single channel picker for `one_place`), filled with the
    TARGETs of `initial` in `workspace`; and what of `initial` is left to type (TARGETs of other platforms or
    workspaces, what does not fit, text that names nothing)."""
    channels: list[str] = []
    people: list[str] = []
    typed: list[str] = []
    room = 1 if one_place else MAX_INITIAL
    for entry in initial.replace(",", " ").split():
        slack_id = _slack_id(entry, workspace)
        if slack_id is not None and slack_id[:1] in ("C", "G") and len(channels) < room:
            channels.append(slack_id)
        elif slack_id is not None and slack_id[:1] in ("U", "W") and not one_place and len(people) < room:
            people.append(slack_id)
        else:
            typed.append(entry)
    only_channels = {"include": ["public", "private"], "exclude_bot_users": True}
    if one_place:
        place: Json = {
            "type": "conversations_select",
            "action_id": action_id + CHANNEL,
            "filter": only_channels,
        }
        if channels:
            place["initial_conversation"] = channels[0]
        return [_optional_input(action_id + CHANNEL, "Channel", place)], " ".join(typed)
    conversations: Json = {
        "type": "multi_conversations_select",
        "action_id": action_id + CHANNELS,
        "filter": only_channels,
    }
    if channels:
        conversations["initial_conversations"] = channels
    users: Json = {"type": "multi_users_select", "action_id": action_id + PEOPLE}
    if people:
        users["initial_users"] = people
    blocks = [
        _optional_input(action_id + CHANNELS, "Channels", conversations),
        _optional_input(action_id + PEOPLE, "People", users),
    ]
    return blocks, " ".join(typed)


def picked(action_id: str, element: Mapping[str, Any], workspace: str) -> tuple[str, list[str]] | None:
    """The field a picker belongs to and the TARGETs picked in it; None when `element` is no picker."""
    pickers = (
        (CHANNELS, "selected_conversations"),
        (PEOPLE, "selected_users"),
        (CHANNEL, "selected_conversation"),
    )
    for suffix, key in pickers:
        if action_id.endswith(suffix) and key in element:
            chosen = element.get(key)
            ids = [chosen] if isinstance(chosen, str) else chosen if isinstance(chosen, list) else []
            where = f"{workspace}/" if workspace else ""
            return action_id.removesuffix(suffix), [
                f"slack:{where}{id_}" for id_ in ids if isinstance(id_, str) and _SLACK_ID.match(id_)
            ]
    return None


def joined(typed: str, picked: list[str], workspace: str) -> str:
    """What was typed, then what was picked that was not typed already (`slack:C1` typed is
    `slack:T1/C1` picked in T1)."""

    def key(entry: str) -> tuple[str, str]:
        slack_id = _slack_id(entry, workspace)
        return ("slack", slack_id) if slack_id is not None else ("typed", entry)

    known = {key(entry) for entry in typed.replace(",", " ").split()}
    fresh = [target for target in dict.fromkeys(picked) if key(target) not in known]
    return " ".join(filter(None, [typed.strip(), *fresh]))


def _slack_id(entry: str, workspace: str) -> str | None:
    """The Slack id an entry names in `workspace` (or in no workspace in particular); None otherwise."""
    try:
        target = parse_target(entry)
    except TargetError:
        return None
    if target.platform != "slack" or target.workspace not in ("", workspace):
        return None
    return target.channel


def _optional_input(block_id: str, label: str, element: Json) -> Json:
    return {
        "type": "input",
        "block_id": block_id,
        "optional": True,
        "label": {"type": "plain_text", "text": label, "emoji": True},
        "element": element,
    }
