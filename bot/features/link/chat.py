"""The link in chat, for comms leads: `team add|list|remove`, `link [TEAM]` and `link channel #channel`."""

from __future__ import annotations

import shlex

from bot.core.markdown import escape
from bot.core.targets import target_of
from bot.core.turn import Turn
from bot.features.link import jobs
from bot.features.link.assembly import link_report
from bot.features.link.months import DEFAULT_MONTHS, MAX_MONTHS
from bot.features.link.render import report_message
from bot.features.link.sources import LinkSources
from bot.features.link.teams import TeamError, build_team, list_teams, remove_team, save_team, unknown_team

TEAM_USAGE = (
    "team add NAME #channel … [--product P] [--tag T] [--keyword W] [--min-score N] [--max-score N]"
    " | team list | team remove NAME"
)
LINK_USAGE = "link [TEAM] [--months N] | link channel #channel"
_OPTIONS = {
    "--product": "product",
    "--tag": "tag",
    "--keyword": "keyword",
    "--min-score": "min_score",
    "--max-score": "max_score",
}


def _words(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


async def team_command(turn: Turn) -> None:
    """`team add|list|remove`."""
    words = _words(turn.args)
    sub, rest = (words[0].lower(), words[1:]) if words else ("list", [])
    if sub == "list":
        teams = await list_teams(turn.runtime)
        await turn.reply(
            "\n".join(escape(t.describe()) for t in teams) if teams else "No teams yet. " + TEAM_USAGE
        )
    elif sub == "add" and rest:
        await _add(turn, rest)
    elif sub == "remove" and rest:
        name = " ".join(rest)
        removed = await remove_team(turn.runtime, name)
        await turn.reply(
            escape(
                f"Team {name} removed."
                if removed
                else str(unknown_team(name, await list_teams(turn.runtime)))
            )
        )
    else:
        await turn.reply(TEAM_USAGE)


async def _add(turn: Turn, words: list[str]) -> None:
    name, channels, options = words[0], [], {}
    position = 1
    try:
        while position < len(words):
            word = words[position]
            if word in _OPTIONS:
                if position + 1 >= len(words):
                    raise TeamError(f"{word} needs a value")
                options[_OPTIONS[word]] = words[position + 1]
                position += 2
                continue
            if word.startswith("--"):
                raise TeamError(f"unknown option {word}; options are {', '.join(_OPTIONS)}")
            channels.append(word)
            position += 1
        team = build_team(name, channels, **options)
    except TeamError as exc:
        await turn.reply(f"I couldn't add that team: {escape(str(exc))}.")
        return
    new = await save_team(turn.runtime, team, turn.person)
    await turn.reply(escape(f"Team {team.name} {'added' if new else 'updated'}: {team.describe()}"))


async def link_command(sources: LinkSources, turn: Turn) -> None:
    """`link [TEAM] [--months N]` shows the report; `link channel #channel` sets the monthly post's place."""
    words = _words(turn.args)
    if words and words[0].lower() == "channel":
        where = words[1] if len(words) > 1 else ""
        if where.lower() == "here":
            raw = target_of(turn.conversation) if turn.conversation else ""
        else:
            raw = where
        try:
            target = await jobs.set_link_channel(turn.runtime, raw)
        except TeamError as exc:
            await turn.reply(f"{escape(str(exc))}. For example **link channel here**.")
            return
        await turn.reply(
            f"The monthly link report will be posted to {escape(target)} on the first working day."
        )
        return
    months, team = DEFAULT_MONTHS, None
    if "--months" in words:
        index = words.index("--months")
        value = words[index + 1] if index + 1 < len(words) else ""
        if not value.isdigit():
            await turn.reply(f"--months takes a number from 1 to {MAX_MONTHS}. {LINK_USAGE}")
            return
        months = int(value)
        words = words[:index] + words[index + 2 :]
    if words:
        team = " ".join(words)
    try:
        report = await link_report(turn.runtime, sources, months, team)
    except TeamError as exc:
        await turn.reply(f"{escape(str(exc))}.")
        return
    await turn.reply(report_message(report))
