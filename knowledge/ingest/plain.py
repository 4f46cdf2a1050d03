"""Plain text: the first line is the title when it is short, paragraphs are the text."""

from __future__ import annotations

from knowledge.ingest.chunking import Section

_MAX_TITLE_WORDS = 12


def load_text(raw: str, fallback_title: str) -> tuple[str, list[Section]]:
    """The title and a single section holding the text."""
    stripped = raw.strip()
    if not stripped:
        return fallback_title, []
    first, _, rest = stripped.partition("\n")
    if len(first.split()) <= _MAX_TITLE_WORDS and rest.strip():
        return first.strip(), [Section((), rest.strip())]
    return fallback_title, [Section((), stripped)]
