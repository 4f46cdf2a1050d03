"""Splitting sections into chunks: follow headings, cut long sections at paragraphs, merge tiny ones."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from knowledge.documents import CODE_FENCE, Chunk, ChunkKind, merged_heading_line

MAX_WORDS = 250
MIN_WORDS = 40

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


@dataclass(frozen=True)
class Section:
    """Text under one heading path, before chunking."""

    heading_path: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class ChunkDefaults:
    """What every chunk of one document shares."""

    source: str
    doc_title: str
    url: str | None = None
    kind: ChunkKind = "doc"
    owner: str | None = None
    verified_on: date | None = None
    review_days: int | None = None


def _word_count(text: str) -> int:
    return len(text.split())


def _split_long(text: str, max_words: int) -> list[str]:
    """Cut text into pieces of at most max_words, at paragraph boundaries where there are any."""
    pieces: list[str] = []
    current: list[str] = []
    count = 0
    for paragraph in (p.strip() for p in _PARAGRAPH_BREAK.split(text)):
        if not paragraph:
            continue
        words = _word_count(paragraph)
        # A code block is never cut: half a command is worse than a long chunk.
        if words > max_words and not paragraph.startswith(CODE_FENCE):
            if current:
                pieces.append("\n\n".join(current))
                current, count = [], 0
            tokens = paragraph.split()
            # A single paragraph longer than the limit is cut at word boundaries as a last resort.
            pieces.extend(" ".join(tokens[i : i + max_words]) for i in range(0, len(tokens), max_words))
            continue
        if current and count + words > max_words:
            pieces.append("\n\n".join(current))
            current, count = [], 0
        current.append(paragraph)
        count += words
    if current:
        pieces.append("\n\n".join(current))
    return pieces


def _merged(first: Section, second: Section) -> Section:
    """Two neighbouring sections as one, under the first's heading; the second's heading stays as a marked line."""
    heading = merged_heading_line(second.heading_path[-1]) if second.heading_path else ""
    joined = "\n\n".join(t for t in (first.text.strip(), heading, second.text.strip()) if t)
    return Section(first.heading_path, joined)


def _merge_tiny(sections: Sequence[Section], min_words: int, max_words: int) -> list[Section]:
    """Fold sections shorter than min_words into their neighbour, keeping the merged heading as text."""
    merged: list[Section] = []
    for section in sections:
        if not section.text.strip() and not section.heading_path:
            continue
        if merged:
            last_words = _word_count(merged[-1].text)
            if last_words < min_words and last_words + _word_count(section.text) <= max_words:
                merged[-1] = _merged(merged[-1], section)
                continue
        merged.append(section)
    # A tiny last section joins the one before it, when that stays within the limit.
    if len(merged) >= 2 and _word_count(merged[-1].text) < min_words:
        last, before = merged[-1], merged[-2]
        if _word_count(before.text) + _word_count(last.text) <= max_words:
            merged[-2:] = [_merged(before, last)]
    return merged


def chunk_sections(
    sections: Sequence[Section],
    defaults: ChunkDefaults,
    *,
    max_words: int = MAX_WORDS,
    min_words: int = MIN_WORDS,
) -> tuple[Chunk, ...]:
    """Chunks for a document's sections, numbered in order within the source."""
    template = Chunk(
        chunk_key="",
        source=defaults.source,
        doc_title=defaults.doc_title,
        heading_path=(),
        text="",
        url=defaults.url,
        kind=defaults.kind,
        owner=defaults.owner,
        verified_on=defaults.verified_on,
        review_days=defaults.review_days,
    )
    chunks: list[Chunk] = []
    for section in _merge_tiny(sections, min_words, max_words):
        for piece in _split_long(section.text, max_words):
            chunks.append(
                replace(
                    template,
                    chunk_key=f"{defaults.source}#{len(chunks)}",
                    heading_path=section.heading_path,
                    text=piece,
                )
            )
    return tuple(chunks)
