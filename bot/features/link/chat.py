"""The link in chat, for comms leads: `team add|list|remove`, `link [TEAM]` and `link channel #channel`."""

from __future__ import annotations

import shlex

from bot.core.markdown import escape
from bot.core.targets import target_of
from bot.core.turn import Turn
from bot.customer_voice.filters import unheard
from bot.features.link import jobs, texts
from bot.features.link.assembly import link_report
from bot.features.link.months import DEFAULT_MONTHS
from bot.features.link.render import report_message
from bot.features.link.sources import LinkSources
from bot.features.link.teams import TeamError, build_team, list_teams, remove_team, save_team, unknown_team

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


async def team_command(sources: LinkSources, turn: Turn) -> None:
    """`team add|list|remove`."""
    words = _words(turn.args)
    sub, rest = (words[0].lower(), words[1:]) if words else ("list", [])
    if sub == "list":
        teams = await list_teams(turn.runtime)
        await turn.reply("\n".join(escape(t.describe()) for t in teams) if teams else texts.NO_TEAMS)
    elif sub == "add" and rest:
        await _add(turn, rest, sources)
    elif sub == "remove" and rest:
        name = " ".join(rest)
        removed = await remove_team(turn.runtime, name)
        await turn.reply(
            texts.team_removed(name)
            if removed
            else escape(str(unknown_team(name, await list_teams(turn.runtime))))
        )
    else:
        await turn.reply(texts.TEAM_USAGE)


async def _add(turn: Turn, words: list[str], sources: LinkSources) -> None:
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
        await turn.reply(texts.team_refused(str(exc)))
        return
    new = await save_team(turn.runtime, team, turn.person)
    used = await sources.customers.used_labels()
    notes = unheard(team.filters, used) if team.filters is not None else []
    await turn.reply(texts.team_saved(team.name, new, team.describe(), notes))


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
            await turn.reply(texts.link_channel_refused(str(exc)))
            return
        await turn.reply(texts.link_channel_set(target))
        return
    months, team = DEFAULT_MONTHS, None
    if "--months" in words:
        index = words.index("--months")
        value = words[index + 1] if index + 1 < len(words) else ""
        if not value.isdigit():
            await turn.reply(texts.MONTHS_NOT_A_NUMBER)
            return
        months = int(value)
        words = words[:index] + words[index + 2 :]
    if words:
        team = " ".join(words)
    try:
        report = await link_report(turn.runtime, sources, months, team)
    except TeamError as exc:
        await turn.reply(texts.refusal(str(exc)))
        return
    await turn.reply(report_message(report))
