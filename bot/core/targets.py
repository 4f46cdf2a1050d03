"""TARGET and person strings of CONTRACT.md: `slack:C123`, `slack:T1/C123`, `teams:19:abc`, `console:NAME`."""

from __future__ import annotations

from dataclasses import dataclass

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
    if not sep or platform not in PLATFORMS or not rest:
        raise TargetError(
            f"{raw!r} is not a target; use slack:CHANNEL_ID, slack:TEAM_ID/CHANNEL_ID, teams:CONVERSATION_ID "
            "or console:NAME"
        )
    if platform == "slack" and "/" in rest:
        workspace, _, channel = rest.partition("/")
        return Target(platform, channel, workspace)
    return Target(platform, rest)
