"""The units the knowledge store works with: loaded documents and their chunks."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal

# A change log's chunks answer only questions about what changed (see knowledge/recency.py).
ChunkKind = Literal["doc", "faq", "calendar", "changelog"]

# A tiny section merged into its neighbour's chunk keeps its heading as a line of the text, marked so that an
# answer quoting what follows cites that heading rather than the chunk's first one. Tokenising drops the mark.
MERGED_HEADING_MARK = "## "


# A code block in a chunk's text stands between lines of this fence, so an answer can tell code from prose.
CODE_FENCE = "```"


def merged_heading_line(heading: str) -> str:
    """The line that stands for a merged section's heading inside a chunk's text."""
    return f"{MERGED_HEADING_MARK}{heading}"


# A page's front-matter description stands at the top of its first chunk as a paragraph of this mark: its words
# help find the page, but it is never quoted as an answer (it says what the page is about, "Here's how to
# apply.", not the answer the page gives).
SUMMARY_MARK = "%% "
_SUMMARY_PARAGRAPH = re.compile(rf"^{re.escape(SUMMARY_MARK)}", re.MULTILINE)


def summary_paragraph(description: str) -> str:
    """The paragraph that holds a page's description inside its first chunk (on one line)."""
    return SUMMARY_MARK + " ".join(description.split())


def without_summary_marks(text: str) -> str:
    """A chunk's text as a reader (an LLM) is given it: the description's paragraph as plain text."""
    return _SUMMARY_PARAGRAPH.sub("", text)


@dataclass(frozen=True)
class Chunk:
    """One retrievable passage with the heading path that leads to it."""

    chunk_key: str
    source: str
    doc_title: str
    heading_path: tuple[str, ...]
    text: str
    url: str | None = None
    kind: ChunkKind = "doc"
    owner: str | None = None
    verified_on: date | None = None
    review_days: int | None = None

    def is_stale(self, today: date) -> bool:
        """True when the entry has a review interval and it has run out."""
        if self.verified_on is None or self.review_days is None:
            return False
        return today > self.verified_on + timedelta(days=self.review_days)

    @property
    def title_path(self) -> str:
        """The document title and headings joined for display."""
        parts = [self.doc_title, *(h for h in self.heading_path if h != self.doc_title)]
        return " › ".join(p for p in parts if p)


@dataclass(frozen=True)
class LoadedDocument:
    """A whole file after loading: its identity, fingerprint and chunks."""

    source: str
    title: str
    content_hash: str
    kind: ChunkKind
    chunks: tuple[Chunk, ...]
    metadata: dict[str, Any] = field(default_factory=dict)
