"""An LLM's Markdown for each platform, through markdown-it-py: Slack's mrkdwn and the Markdown Teams shows.

Links, bold, italics, lists and code come through; anything else is kept as its text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from markdown_it import MarkdownIt
from markdown_it.token import Token

_PARSER = MarkdownIt("commonmark")


@dataclass(frozen=True)
class Dialect:
    """How one platform writes each inline style and block."""

    bold: str
    italic: str
    escape: Callable[[str], str]
    link: Callable[[str, str], str]
    heading: Callable[[str], str]
    newline: str  # a line break inside a paragraph ("Sources:" and its lines)


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack_link(text: str, url: str) -> str:
    return f"<{url}|{text}>" if text and text != url else f"<{url}>"


SLACK = Dialect("*", "_", _slack_escape, _slack_link, lambda text: f"*{text}*", "\n")
# Teams reads a single line break as a space, as Markdown does: a line of its own needs a blank line.
TEAMS = Dialect(
    "**",
    "_",
    lambda text: text,
    lambda text, url: f"[{text}]({url})" if text else url,
    lambda text: f"**{text}**",
    "\n\n",
)


def _inline(tokens: Sequence[Token], dialect: Dialect) -> str:
    out: list[str] = []
    link: list[str] = []  # the href of each open link, whose text is gathered after it
    marks: list[int] = []
    for token in tokens:
        kind = token.type
        if kind == "text":
            out.append(dialect.escape(token.content))
        elif kind == "code_inline":
            out.append(f"`{dialect.escape(token.content)}`")
        elif kind in ("softbreak", "hardbreak"):
            out.append(dialect.newline)
        elif kind in ("strong_open", "strong_close"):
            out.append(dialect.bold)
        elif kind in ("em_open", "em_close"):
            out.append(dialect.italic)
        elif kind == "link_open":
            link.append(str(token.attrGet("href") or ""))
            marks.append(len(out))
        elif kind == "link_close" and link:
            start = marks.pop()
            text = "".join(out[start:])
            del out[start:]
            out.append(dialect.link(text, link.pop()))
        elif kind == "image" or kind == "html_inline":
            out.append(dialect.escape(token.content))
    return "".join(out)


def render(markdown: str, dialect: Dialect) -> str:
    """The Markdown text written in the platform's dialect: paragraphs apart, list items on their own lines."""
    tokens = _PARSER.parse(markdown)
    blocks: list[tuple[str, int | None]] = []  # each block, and the list it is an item of
    lists: list[int | None] = []
    list_count = 0
    quote = 0
    prefix = ""
    for i, token in enumerate(tokens):
        kind = token.type
        lead = "> " * quote
        group = list_count if lists else None
        if kind in ("bullet_list_open", "ordered_list_open"):
            start = token.attrGet("start")
            if not lists:
                list_count += 1
            lists.append(None if kind == "bullet_list_open" else int(start or 1))
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif kind == "list_item_open" and lists:
            number = lists[-1]
            indent = "  " * (len(lists) - 1)
            prefix = f"{indent}• " if number is None else f"{indent}{number}. "
            if number is not None:
                lists[-1] = number + 1
        elif kind == "blockquote_open":
            quote += 1
        elif kind == "blockquote_close":
            quote -= 1
        elif kind == "inline":
            text = _inline(token.children or [], dialect)
            if tokens[i - 1].type == "heading_open":
                text = dialect.heading(text)
            blocks.append((lead + prefix + text.replace("\n", "\n" + lead), group))
            prefix = ""
        elif kind in ("fence", "code_block"):
            code = dialect.escape(token.content.rstrip("\n"))
            blocks.append((f"```\n{code}\n```", group))
        elif kind == "html_block":
            blocks.append((dialect.escape(token.content.strip()), group))
    # The items of one list stay on consecutive lines; everything else is a paragraph of its own.
    joined = blocks[0][0] if blocks else ""
    for (_, before), (block, group) in pairwise(blocks):
        joined += ("\n" if group is not None and group == before else "\n\n") + block
    return joined


def to_slack(markdown: str) -> str:
    """Markdown as Slack's mrkdwn: *bold*, _italic_, <url|text>, • lists, ``` code."""
    return render(markdown, SLACK)


def to_teams(markdown: str) -> str:
    """Markdown as Teams shows it: **bold**, [text](url), lists one item a line, code kept."""
    return re.sub(r"^(\s*)• ", r"\1- ", render(markdown, TEAMS), flags=re.MULTILINE)
