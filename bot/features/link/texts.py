"""Everything the link says in chat, short and plain (people's words escaped here)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from bot.core.markdown import escape
from bot.features.link.months import MAX_MONTHS

TEAM_USAGE: Final = (
    "team add NAME #channel … [--product P] [--tag T] [--keyword W] [--min-score N] [--max-score N]"
    " | team list | team remove NAME"
)
LINK_USAGE: Final = "link [TEAM] [--months N] | link channel #channel"
NO_TEAMS: Final = "No teams yet. " + TEAM_USAGE
MONTHS_NOT_A_NUMBER: Final = f"--months takes a number from 1 to {MAX_MONTHS}. {LINK_USAGE}"


def team_refused(reason: str) -> str:
    return f"I couldn't add that team: {escape(reason)}."


def team_saved(name: str, new: bool, description: str, notes: Sequence[str] = ()) -> str:
    saved = f"Team {name} {'added' if new else 'updated'}: {description}"
    return "\n".join(escape(line) for line in [saved, *(f"Note: {note}." for note in notes)])


def team_removed(name: str) -> str:
    return escape(f"Team {name} removed.")


def refusal(reason: str) -> str:
    return f"{escape(reason)}."


def link_channel_refused(reason: str) -> str:
    return f"{escape(reason)}. For example **link channel here**."


def link_channel_set(target: str) -> str:
    return f"The monthly link report will be posted to {escape(target)} on the first working day."
