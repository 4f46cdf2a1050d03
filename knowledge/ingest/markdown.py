"""Markdown and MDX through markdown-it-py: headings as the chunk path, prose kept, markup never quoted.

What a reader of the page sees as text is kept: paragraphs, list items, table cells, and the prose inside MDX
components such as `<Note>` or `<Step>` (without the tags). What is not prose is dropped: front matter (read as
metadata), `import`/`export` lines, tags and their attributes, HTML comments, image alt text and captions,
admonition markers (Docusaurus `:::tip`, MkDocs `!!! note`, GitHub `> [!NOTE]`). Code blocks are kept between ``` fences, so an answer quotes them only when
the question asks for code.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml
from markdown_it.token import Token

from bot.core.markdown import parse
from knowledge.documents import CODE_FENCE, summary_paragraph
from knowledge.ingest.chunking import Section
from knowledge.ingest.errors import UnreadableFile
from knowledge.ingest.frontmatter import EntryMeta, entry_meta

_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*(?:\n|\Z)", re.DOTALL)
# Docusaurus admonitions (`:::tip Title` … `:::`) are no CommonMark: the fence lines become paragraph breaks,
# and a title on the opening line stays as a line of prose.
_ADMONITION = re.compile(r"^[ \t]*:{3,}[ \t]*[A-Za-z]*[ \t]*(.*?)[ \t]*$", re.MULTILINE)
# MkDocs admonitions (`!!! warning "Title"`, collapsible `??? note`) likewise: the marker goes, a title stays.
_MKDOCS_ADMONITION = re.compile(
    r"^[ \t]*(?:!!!|\?\?\?\+?)[ \t]*[\w-]*(?:[ \t]+\"(.*)\")?[ \t]*$", re.MULTILINE
)
# GitHub's alerts (`> [!NOTE]` atop a quote): the marker line goes, the quote stays.
_GITHUB_ALERT = re.compile(
    r"^([ \t]*>[ \t]*)\[!(?:NOTE|TIP|IMPORTANT|WARNING|CAUTION)\][ \t]*$", re.IGNORECASE
)
_CODE_FENCE_LINE = re.compile(r"^[ \t]*(```|~~~)")
_MDX_STATEMENT = re.compile(r"^\s*(import|export)\s")
# Inside an HTML/JSX block: comments, then tags (attributes may span lines and hold `{expressions}`).
_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
_TAG = re.compile(r"</?[A-Za-z][\w.:-]*(?:[^<>{}]|\{[^{}]*\})*?/?>", re.DOTALL)
_JSX_EXPRESSION = re.compile(r"\{[^{}]*\}")
_ANCHOR = re.compile(r"\s*\{#[^}]*\}\s*$")
_SPACES = re.compile(r"[ \t]+")
_MAX_DEPTH = 4


def split_front_matter(text: str, path: Path) -> tuple[dict[str, Any], str]:
    """The YAML front matter as a mapping and the rest of the text."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    try:
        data = yaml.safe_load(match.group(1))
    except yaml.YAMLError as exc:
        raise UnreadableFile(path, f"front matter is not valid YAML ({exc.__class__.__name__})") from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise UnreadableFile(path, "front matter is not a mapping")
    return {str(k): v for k, v in data.items()}, text[match.end() :]


def _flattened(body: str) -> str:
    """The body ready for a CommonMark parser: MDX's indentation and admonition fences taken out.

    MDX nests Markdown inside components (`<Tab>` … `</Tab>`) and indents it; it has no indented code blocks,
    so lines lose their indentation (code fences keep their content's, relative to the fence). Admonition
    markers (`:::tip Title` … `:::`, `!!! note "Title"`) become paragraph breaks around their title, and a
    GitHub alert's `[!NOTE]` leaves its quote.
    """
    out: list[str] = []
    fence_indent: int | None = None
    for line in body.splitlines():
        stripped = line.lstrip()
        indent = len(line) - len(stripped)
        if _CODE_FENCE_LINE.match(line):
            fence_indent = indent if fence_indent is None else None
            out.append(stripped)
            continue
        if fence_indent is not None:
            out.append(line[min(fence_indent, indent) :])
            continue
        alert = _GITHUB_ALERT.fullmatch(line)
        match = _ADMONITION.fullmatch(line) or _MKDOCS_ADMONITION.fullmatch(line)
        if alert is not None:
            out.append(alert.group(1).strip())
        elif match is None:
            out.append(stripped)
        else:
            out.extend(["", match.group(1), ""] if match.group(1) else [""])
    return "\n".join(out)


def _without_jsx(text: str) -> str:
    """Text with JSX expressions (nested ones too) and the tags CommonMark could not read as HTML removed."""
    while True:
        stripped = _JSX_EXPRESSION.sub(" ", text)
        if stripped == text:
            return _TAG.sub(" ", _COMMENT.sub(" ", text))
        text = stripped


def _inline_text(token: Token) -> str:
    """The readable text of an inline token: link text kept; images, tags and emphasis marks dropped."""
    # Runs of text are cleaned whole, since a JSX expression may span lines; inline code is left as it is.
    parts: list[str] = []
    run: list[str] = []
    for child in token.children or []:
        if child.type == "text":
            run.append(child.content)
        elif child.type == "softbreak":
            run.append("\n")
        elif child.type == "hardbreak":
            run.append("\n\n")
        elif child.type == "html_inline" and child.content.lower().startswith("<br"):
            run.append(" ")
        elif child.type == "code_inline":
            parts += [_without_jsx("".join(run)), f"`{child.content}`"]  # `<your_domain>` is no tag
            run = []
    parts.append(_without_jsx("".join(run)))
    joined = "".join(parts).replace("\n\n", "\0").replace("\n", " ").replace("\0", "\n")
    lines = (_SPACES.sub(" ", line).strip() for line in joined.split("\n"))
    return "\n".join(line for line in lines if line)


@dataclass
class _Walk:
    """What the walk over a document's tokens has gathered so far."""

    title: str
    sections: list[Section] = field(default_factory=list)
    path: list[tuple[int, str]] = field(default_factory=list)
    blocks: list[str] = field(default_factory=list)
    first_h1: str | None = None
    lists: list[int | None] = field(default_factory=list)  # per open list: next number, None when bulleted
    item_prefix: str | None = None
    row: list[str] = field(default_factory=list)

    def flush(self) -> None:
        """Close the current section."""
        heading_path = tuple(h for _, h in self.path)
        text = "\n\n".join(b for b in self.blocks if b.strip())
        if text or heading_path:
            self.sections.append(Section(heading_path, text))
        self.blocks.clear()

    def heading(self, level: int, text: str) -> None:
        """Start the section under a heading."""
        self.flush()
        if level == 1 and self.first_h1 is None:
            self.first_h1 = text
            if text == self.title:
                return
        while self.path and self.path[-1][0] >= level:
            self.path.pop()
        self.path.append((level, text))

    def paragraph(self, text: str) -> None:
        """A paragraph, marked as a list item when it opens one."""
        if not text:
            return
        if self.item_prefix is not None:
            text, self.item_prefix = self.item_prefix + text, None
        self.blocks.append(text)


def _code_block(content: str) -> str:
    """A code block as fenced lines; blank lines inside go, so the block stays one paragraph of the chunk."""
    lines = [line.rstrip() for line in content.splitlines() if line.strip()]
    return "\n".join([CODE_FENCE, *lines, CODE_FENCE]) if lines else ""


def _html_prose(content: str) -> str:
    """The prose inside an HTML/JSX block, as Markdown: comments and tags (with attributes) removed."""
    text = _TAG.sub("\n", _COMMENT.sub("", content))
    return _flattened(text)


def _walk(tokens: Sequence[Token], walk: _Walk, depth: int = 0) -> None:
    i = 0
    while i < len(tokens):
        token = tokens[i]
        kind = token.type
        if kind == "heading_open":
            text = _ANCHOR.sub("", _inline_text(tokens[i + 1]))
            walk.heading(int(token.tag[1:]), text)
            i += 3
            continue
        if kind == "inline":
            if not all(_MDX_STATEMENT.match(line) for line in token.content.splitlines() or [""]):
                walk.paragraph(_inline_text(token))
        elif kind in ("bullet_list_open", "ordered_list_open"):
            start = token.attrGet("start")
            walk.lists.append(None if kind == "bullet_list_open" else int(start) if start else 1)
        elif kind in ("bullet_list_close", "ordered_list_close"):
            walk.lists.pop()
        elif kind == "list_item_open" and walk.lists:
            number = walk.lists[-1]
            walk.item_prefix = "- " if number is None else f"{number}. "
            if number is not None:
                walk.lists[-1] = number + 1
        elif kind in ("fence", "code_block"):
            walk.item_prefix = None
            walk.blocks.append(_code_block(token.content))
        elif kind == "html_block" and depth < _MAX_DEPTH:
            prose = _html_prose(token.content)
            if prose.strip():
                _walk(parse(prose), walk, depth + 1)
        elif kind == "tr_open":
            walk.row = []
        elif kind in ("th_open", "td_open"):
            walk.row.append(_inline_text(tokens[i + 1]))
            i += 3
            continue
        elif kind == "tr_close":
            walk.paragraph(" | ".join(cell for cell in walk.row if cell))
        i += 1


def markdown_sections(body: str, title: str) -> tuple[list[Section], str | None]:
    """Sections under each heading and the first level-1 heading, if any."""
    walk = _Walk(title)
    _walk(parse(_flattened(body)), walk)
    walk.flush()
    return walk.sections, walk.first_h1


def load_markdown(raw: str, path: Path) -> tuple[EntryMeta, list[Section]]:
    """Metadata and sections of a Markdown/MDX document."""
    data, body = split_front_matter(raw, path)
    meta = entry_meta(data)
    sections, first_h1 = markdown_sections(body, meta.title or "")
    title = meta.title or first_h1 or path.stem.replace("-", " ").replace("_", " ")
    if meta.description:
        sections.insert(0, Section((), summary_paragraph(meta.description)))
    return replace(meta, title=title), sections
