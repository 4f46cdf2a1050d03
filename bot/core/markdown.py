"""The one Markdown parser (markdown-it-py), shared by replies and ingestion, and its rendering per dialect.

The bot writes its replies in a CommonMark subset (see `Text`); each adapter renders them with `render` and a
`Dialect` of its own, the console with `to_plain`. Knowledge ingestion reads documents with the same parser.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from markdown_it import MarkdownIt
from markdown_it.token import Token

from bot.core.types import UserRef

# Tables for documents (replies show their rows as lines); no indented code, which MDX's nesting would fake.
PARSER = MarkdownIt("commonmark").enable("table").disable("code")

# Every character CommonMark lets a backslash escape that starts or ends formatting in our subset (a `_` inside
# a word, as in `channel_not_found`, never does).
_SPECIAL = re.compile(r"([\\`*\[\]<>&|~]|(?<![^\W_])_|_(?![^\W_]))")
# What a line may start with to become a list item, heading, quote, rule or fence.
_LINE_START = re.compile(r"^([ \t]*)([-+#=])", re.MULTILINE)
_ORDINAL_DOT = re.compile(r"^([ \t]*\d{1,9})([.)])", re.MULTILINE)
# Link targets a reply may point to; anything else (a relative path, `@U123`) is shown as its text.
_LINK_SCHEMES = ("http://", "https://", "mailto:")
# A link to a person (`mention`): each platform writes it its own way, a Slack mention or the person's name.
PERSON_SCHEME = "clueline-person:"


def escape(text: str) -> str:
    """Text (a customer's words, a name, a title) as Markdown that shows exactly those characters."""
    escaped = _SPECIAL.sub(r"\\\1", text)
    escaped = _ORDINAL_DOT.sub(r"\1\\\2", escaped)
    return _LINE_START.sub(r"\1\\\2", escaped)


def parse(markdown: str) -> list[Token]:
    """The block tokens of a Markdown text."""
    return PARSER.parse(markdown)


def list_item_lines(markdown: str) -> set[int]:
    """The numbers (from 0) of the lines that open a list item."""
    return {token.map[0] for token in parse(markdown) if token.type == "list_item_open" and token.map}


@dataclass(frozen=True)
class Dialect:
    """How one platform writes each inline style and block."""

    bold: str
    italic: str
    escape: Callable[[str, bool], str]  # literal text, and whether it starts a line
    link: Callable[[str, str], str]
    code: Callable[[str], str]
    code_block: Callable[[str], str]
    heading: Callable[[str], str]
    bullet: str
    newline: str  # a line break inside a paragraph ("Sources:" and its lines)
    # A person: their key (`slack:U123`) and the name to show where the platform cannot mention them.
    person: Callable[[str, str], str] = lambda _key, name: name


def without_mentions(markdown: str) -> str:
    """Markdown the bot did not write (an LLM's answer) with any person link made plain text: a document that
    smuggles one into an answer must not get the bot to ping people."""
    return markdown.replace(PERSON_SCHEME, "")


def mention(user: UserRef) -> str:
    """A person in a reply: a mention where the platform has them (Slack), else their name ("someone" without)."""
    return f"[{escape(user.display_name or 'someone')}]({PERSON_SCHEME}{user.key})"


def _is_safe_link(url: str) -> bool:
    return url.lower().startswith(_LINK_SCHEMES)


def _inline(tokens: Sequence[Token], dialect: Dialect) -> str:
    out: list[str] = []
    links: list[str | None] = []  # the href of each open link, whose text is gathered after it
    marks: list[int] = []
    line_start = True
    for token in tokens:
        kind = token.type
        if kind in ("text", "html_inline"):
            out.append(dialect.escape(token.content, line_start))
        elif kind == "code_inline":
            out.append(dialect.code(token.content))
        elif kind in ("softbreak", "hardbreak"):
            out.append(dialect.newline)
        elif kind in ("strong_open", "strong_close"):
            out.append(dialect.bold)
        elif kind in ("em_open", "em_close"):
            out.append(dialect.italic)
        elif kind == "link_open":
            href = str(token.attrGet("href") or "")
            links.append(href if _is_safe_link(href) or href.startswith(PERSON_SCHEME) else None)
            marks.append(len(out))
        elif kind == "link_close" and links:
            start = marks.pop()
            text = "".join(out[start:])
            target = links.pop()
            del out[start:]
            if target and target.startswith(PERSON_SCHEME):
                out.append(dialect.person(target.removeprefix(PERSON_SCHEME), text))
            else:
                out.append(dialect.link(text, target) if target else text)
        elif kind == "image":
            out.append(dialect.escape(token.content, line_start))
        line_start = kind in ("softbreak", "hardbreak")
    return "".join(out)


@dataclass(frozen=True)
class _Block:
    """A block as written in a dialect: the list or table it is a line of, its quote depth, its source lines."""

    text: str
    group: int | None
    quote: int
    lines: list[int] | None


# The same texts come back all day (help, declines, buttons' answers); parsing them again was an eighth of the
# time an event process took to answer a mention.
@functools.lru_cache(maxsize=256)
def render(markdown: str, dialect: Dialect) -> str:
    """The Markdown text written in a dialect: paragraphs apart, list items and table rows on their own lines."""
    tokens = parse(markdown)
    blocks: list[_Block] = []
    lists: list[int | None] = []
    group_count = 0
    quote = 0
    prefix = ""
    row: list[str] | None = None
    lines: list[int] | None = None
    for i, token in enumerate(tokens):
        kind = token.type
        lead = "> " * quote
        group = group_count if lists or row is not None else None
        if kind in ("bullet_list_open", "ordered_list_open"):
            start = token.attrGet("start")
            if not lists:
                group_count += 1
            lists.append(None if kind == "bullet_list_open" else int(start or 1))
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif kind == "list_item_open" and lists:
            number = lists[-1]
            indent = "  " * (len(lists) - 1)
            prefix = f"{indent}{dialect.bullet} " if number is None else f"{indent}{number}. "
            if number is not None:
                lists[-1] = number + 1
        elif kind == "blockquote_open":
            quote += 1
        elif kind == "blockquote_close":
            quote -= 1
        elif kind == "table_open":
            group_count += 1
        elif kind == "tr_open":
            row = []
        elif kind == "tr_close" and row is not None:
            blocks.append(_Block(lead + " | ".join(cell for cell in row if cell), group_count, quote, lines))
            row = None
        elif kind == "inline" and row is not None:
            row.append(_inline(token.children or [], dialect))
            lines = token.map or lines
        elif kind == "inline":
            text = _inline(token.children or [], dialect)
            if tokens[i - 1].type == "heading_open":
                text = dialect.heading(text)
            blocks.append(_Block(lead + prefix + text.replace("\n", "\n" + lead), group, quote, token.map))
            prefix = ""
        elif kind == "fence":
            code = dialect.code_block(token.content.rstrip("\n"))
            blocks.append(_Block(lead + prefix + code.replace("\n", "\n" + lead), group, quote, token.map))
            prefix = ""
        elif kind == "html_block":
            blocks.append(_Block(lead + dialect.escape(token.content.strip(), True), group, quote, token.map))
    # The lines of one list or table stay together; a block written on the line after another (a list under
    # "Comments:") follows it as a line break does; everything else is a paragraph of its own. The blank line
    # between two paragraphs of a quote is quoted too.
    joined = blocks[0].text if blocks else ""
    for before, block in pairwise(blocks):
        blank = f"\n{('> ' * min(before.quote, block.quote)).rstrip()}\n"
        if block.group is not None and block.group == before.group:
            joined += "\n" + block.text
        elif before.lines and block.lines and before.lines[1] == block.lines[0]:
            joined += dialect.newline.replace("\n\n", blank) + block.text
        else:
            joined += blank + block.text
    return joined


PLAIN = Dialect(
    bold="",
    italic="",
    escape=lambda text, line_start: text,
    link=lambda text, url: text if text in (url, url.removeprefix("mailto:")) else f"{text} ({url})",
    code=lambda code: f"`{code}`",  # a terminal shows a command to type between its backticks
    code_block=lambda code: "\n".join(f"    {line}" for line in code.split("\n")),
    heading=lambda text: text,
    bullet="•",
    newline="\n",
)


def to_plain(markdown: str) -> str:
    """Markdown as the plain text a terminal shows: the words without marks, links with their address."""
    return render(markdown, PLAIN)
