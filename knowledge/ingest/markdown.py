"""Markdown and MDX: front matter, headings as the chunk path, MDX/HTML markup stripped."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from knowledge.ingest.chunking import Section
from knowledge.ingest.errors import UnreadableFile
from knowledge.ingest.frontmatter import EntryMeta, entry_meta

_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*(?:\n|\Z)", re.DOTALL)
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_MDX_LINE = re.compile(r"^\s*(import|export)\s+.*$")
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_IMG_TAG = re.compile(r"""<img\b[^>]*?\balt=["']([^"']*)["'][^>]*>""", re.IGNORECASE)
_TAG = re.compile(r"</?[A-Za-z][^<>]*?/?>")
_JSX_EXPR = re.compile(r"\{[^{}\n]*\}")
_EMPHASIS = re.compile(r"(\*\*|__|\*|`)")
_ANCHOR = re.compile(r"\s*\{#[^}]*\}\s*$")


def _clean_inline(line: str) -> str:
    line = _IMAGE.sub(r"\1", line)
    line = _LINK.sub(r"\1", line)
    # Keep an image's alt text: it often describes the step the picture shows.
    line = _IMG_TAG.sub(r" \1 ", line)
    line = _TAG.sub(" ", line)
    line = _JSX_EXPR.sub(" ", line)
    line = _EMPHASIS.sub("", line)
    return re.sub(r"[ \t]+", " ", line).strip()


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


def markdown_sections(body: str, title: str) -> tuple[list[Section], str | None]:
    """Sections under each heading and the first level-1 heading, if any."""
    sections: list[Section] = []
    path: list[tuple[int, str]] = []
    lines: list[str] = []
    first_h1: str | None = None
    in_fence = False

    def flush() -> None:
        text = "\n".join(lines).strip()
        heading_path = tuple(h for _, h in path)
        if text or heading_path:
            sections.append(Section(heading_path, re.sub(r"\n{3,}", "\n\n", text)))
        lines.clear()

    for raw in body.splitlines():
        if _FENCE.match(raw):
            in_fence = not in_fence
            continue
        if in_fence:
            lines.append(raw.rstrip())
            continue
        heading = _HEADING.match(raw)
        if heading:
            flush()
            level = len(heading.group(1))
            text = _clean_inline(_ANCHOR.sub("", heading.group(2)))
            if level == 1 and first_h1 is None:
                first_h1 = text
                if text == title:
                    continue
            while path and path[-1][0] >= level:
                path.pop()
            path.append((level, text))
            continue
        if _MDX_LINE.match(raw):
            continue
        lines.append(_clean_inline(raw))
    flush()
    return sections, first_h1


def load_markdown(raw: str, path: Path) -> tuple[EntryMeta, list[Section]]:
    """Metadata and sections of a Markdown/MDX document."""
    data, body = split_front_matter(raw, path)
    meta = entry_meta(data)
    sections, first_h1 = markdown_sections(body, meta.title or "")
    title = meta.title or first_h1 or path.stem.replace("-", " ").replace("_", " ")
    if meta.description:
        sections.insert(0, Section((), meta.description))
    return replace(meta, title=title), sections
