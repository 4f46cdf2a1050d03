"""TARGET and person strings of CONTRACT.md: `slack:C123`, `slack:T1/C123`, `teams:19:abc`, `console:NAME`."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from bot.core.types import ConversationRef, UserRef

PLATFORMS = ("slack", "teams", "console")


class TargetError(ValueError):
    """A TARGET that does not parse; the message shows the accepted forms."""


@dataclass(frozen=True)
class Target:
    """A place to post or a person, as an operator writes it."""

    platform: str
    channel: str
    workspace: str = ""

    def __str__(self) -> str:
        inner = f"{self.workspace}/{self.channel}" if self.workspace else self.channel
        return f"{self.platform}:{inner}"


def parse_target(raw: str) -> Target:
    """Parse `platform:CHANNEL` or `slack:TEAM/CHANNEL`."""
    platform, sep, rest = raw.strip().partition(":")
    # One TARGET has no space: "slack:C1 slack:C2" is two, never a channel named "C2" in a workspace "C1 slack:".
    if not sep or platform not in PLATFORMS or not rest or any(char.isspace() for char in rest):
        raise TargetError(
            f"{raw!r} is not a target; use slack:CHANNEL_ID, slack:TEAM_ID/CHANNEL_ID, teams:CONVERSATION_ID "
            "or console:NAME"
        )
    if platform == "slack" and "/" in rest:
        workspace, _, channel = rest.partition("/")
        return Target(platform, channel, workspace)
    return Target(platform, rest)


# A place to post as routes and teams store it: Slack ids in capitals (as Slack writes them), so one channel
# is never stored under two spellings.
_PLACE: Final = re.compile(r"^(?:slack:(?:[A-Z0-9]+/)?[A-Z0-9]+|teams:\S+|console:[\w.-]+)$")


def check_place(raw: str) -> str:
    """The TARGET, stripped, when it is written as a place to post; TargetError saying how otherwise."""
    target = raw.strip()
    if not _PLACE.match(target):
        raise TargetError(
            f"target {target!r} should look like slack:C123, slack:T123/C123, teams:CONVERSATION or console:NAME"
        )
    return target


# A person's Microsoft Entra object id (a GUID), as Teams names people outside a conversation.
ENTRA_OBJECT_ID: Final = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_TEAMS_USER: Final = re.compile(rf"^(29:.+|{ENTRA_OBJECT_ID})$")


def names_a_person(target: Target) -> bool:
    """Whether a TARGET names a person rather than a place (Slack U/W ids, Teams user ids)."""
    if target.platform == "slack":
        return target.channel[:1] in ("U", "W")
    if target.platform == "teams":
        return bool(_TEAMS_USER.match(target.channel))
    return False


# Teams conversations: channels and group chats (19:…), 1:1 chats (a:…), meetings (19:meeting_…).
_TEAMS_CONVERSATION: Final = re.compile(r"^(19:|a:|8:)")


def unusual_target(target: Target) -> str | None:
    """Why a TARGET may not be what was meant: a Teams id that is neither a conversation nor a person is read as
    a conversation, whose members nobody can list (a pulse to it reaches no one)."""
    if target.platform != "teams" or names_a_person(target) or _TEAMS_CONVERSATION.match(target.channel):
        return None
    return (
        f"teams:{target.channel} is read as a conversation, but Teams conversation ids start with 19: or a: "
        "(a person is teams:29:… or their Entra object id)"
    )


# How each chat platform names an audience: a place whose members are asked, or a person.
_AUDIENCE_EXAMPLES: Final = {
    "slack": "slack:C0123ABCD (a channel's members) or slack:U0123ABCD (a person)",
    "teams": "teams:19:…@thread.tacv2 (a channel's or group chat's members) or teams:<Entra object id> (a person)",
}


def audience_example(platforms: Sequence[str]) -> str:
    """Example audiences in the platforms' own ids (Slack's and Teams' where neither is set up here)."""
    shown = [_AUDIENCE_EXAMPLES[p] for p in platforms if p in _AUDIENCE_EXAMPLES] or list(
        _AUDIENCE_EXAMPLES.values()
    )
    return "e.g. " + "; or ".join(shown)


def target_of(conversation: ConversationRef) -> str:
    """The TARGET string of a conversation (Slack keeps its workspace, as CONTRACT.md writes it)."""
    if conversation.platform == "slack" and conversation.workspace:
        return str(Target("slack", conversation.channel, conversation.workspace))
    return str(Target(conversation.platform, conversation.channel))


def bare_conversation(target: Target) -> ConversationRef:
    """The conversation a TARGET names, built from the string alone (no stored reference)."""
    return ConversationRef(platform=target.platform, workspace=target.workspace, channel=target.channel)


def person_of(person: str) -> UserRef | None:
    """The person a CONTRACT.md person string (`slack:U123`) names; None when it names no known platform."""
    platform, _, user_id = person.partition(":")
    if not user_id or platform not in PLATFORMS:
        return None
    return UserRef(platform=platform, user_id=user_id)
