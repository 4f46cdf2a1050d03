"""The bot's Markdown in each platform's dialect: Slack's mrkdwn and the Markdown Teams shows.

The one parser lives in the core (bot.core.markdown); here is only how each platform writes what it found.
"""

from __future__ import annotations

import re

from bot.core.markdown import Dialect, render

# Slack has no escape for its marks: a zero-width space beside one keeps it from opening or closing a style.
ZERO_WIDTH_SPACE = "\u200b"
_SLACK_MARK = re.compile(r"[*~`]|(?<![^\W_])_|_(?![^\W_])")
# Teams reads CommonMark's backslash escapes; these are the marks of the Markdown it shows (a `[` only opens a
# link with a `](` after it, and a `_` inside a word is no mark).
_TEAMS_MARK = re.compile(r"([*`]|\\(?=[!-/:-@\[-`{-~])|(?<![^\W_])_|_(?![^\W_])|\](?=\())")
_TEAMS_LINE_START = re.compile(r"^(\d{0,9})([-+>#.)])(?=\s|$)")


def slack_escape(text: str) -> str:
    """Text with Slack's control characters as entities (docs.slack.dev: escape only &, < and >)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack_literal(text: str, line_start: bool) -> str:
    guarded = _SLACK_MARK.sub(lambda m: ZERO_WIDTH_SPACE + m.group() + ZERO_WIDTH_SPACE, slack_escape(text))
    # A `>` opening a line would make the line a quote.
    return ZERO_WIDTH_SPACE + guarded if line_start and guarded.startswith("&gt;") else guarded


def _slack_link(text: str, url: str) -> str:
    target = url.replace("|", "%7C").replace("<", "%3C").replace(">", "%3E")
    return f"<{target}|{text}>" if text and text != slack_escape(url) else f"<{target}>"


def _teams_literal(text: str, line_start: bool) -> str:
    escaped = _TEAMS_MARK.sub(r"\\\1", text)
    return _TEAMS_LINE_START.sub(r"\1\\\2", escaped) if line_start else escaped


def _slack_person(key: str, name: str) -> str:
    platform, _, user_id = key.partition(":")
    return f"<@{user_id}>" if platform == "slack" and user_id else name


SLACK = Dialect(
    bold="*",
    italic="_",
    escape=_slack_literal,
    link=_slack_link,
    code=lambda code: f"`{slack_escape(code)}`",
    code_block=lambda code: f"```\n{slack_escape(code)}\n```",
    heading=lambda text: f"*{text}*",
    bullet="•",
    newline="\n",
    person=_slack_person,
)
# Teams reads a single line break as a space, as Markdown does: a line of its own needs a blank line.
TEAMS = Dialect(
    bold="**",
    italic="_",
    escape=_teams_literal,
    link=lambda text, url: f"[{text}]({url})" if text else url,
    code=lambda code: f"`{code}`",
    code_block=lambda code: f"```\n{code}\n```",
    heading=lambda text: f"**{text}**",
    bullet="-",
    newline="\n\n",
    # A Teams mention needs the activity's entities as well; the name in bold says who without them.
    person=lambda _key, name: f"**{name}**",
)


def to_slack(markdown: str) -> str:
    """Markdown as Slack's mrkdwn: *bold*, _italic_, <url|text>, • lists, ``` code."""
    return render(markdown, SLACK)


def to_teams(markdown: str) -> str:
    """Markdown as Teams shows it: **bold**, _italic_, [text](url), lists one item a line, code kept."""
    return render(markdown, TEAMS)
