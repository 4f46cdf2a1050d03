"""Questions about what changed ("what's new", "latest release", "what changed last month") and the newest dated
entries of release notes and change logs that answer them."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import PurePosixPath

from knowledge.documents import MERGED_HEADING_MARK, Chunk
from knowledge.framing import FRAMING_WORDS
from knowledge.text import SENTENCE_END, Tokenizer

_ABOUT_CHANGES = re.compile(
    r"\b(what(?:'|’)?s new|what is new|new features?|latest|recent(?:ly)?|release(?:d|s)?|release notes|"
    r"change ?log|changed|changes|updates?|updated|new version|version \d|shipped)",
    re.IGNORECASE,
)
# The words of a recency question that name no topic: "what's new" asks about everything.
_RECENCY_WORDS = frozenset(
    [
        "new",
        "newest",
        "latest",
        "recent",
        "recently",
        "release",
        "releases",
        "released",
        "notes",
        "note",
        "changelog",
        "change",
        "changed",
        "changes",
        "update",
        "updates",
        "updated",
        "version",
        "versions",
        "shipped",
        "launched",
        "last",
        "this",
        "past",
        "previous",
        "news",
        "whats",
        "anything",
    ]
)
_DATED_SOURCE = re.compile(r"release[-_ ]?notes?|change[-_ ]?log|whats[-_ ]new|updates|news", re.IGNORECASE)
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            "jan january",
            "feb february",
            "mar march",
            "apr april",
            "may",
            "jun june",
            "jul july",
            "aug august",
            "sep sept september",
            "oct october",
            "nov november",
            "dec december",
        ),
        1,
    )
    for name in names.split()
}
_ISO = re.compile(r"\b(\d{4})-(\d{1,2})(?:-(\d{1,2}))?\b")
_MONTH_YEAR = re.compile(r"\b([A-Za-z]{3,9})\.?\s+(\d{4})\b")
_VERSION = re.compile(r"\bv?(20\d{2})\.(\d{1,2})(?:\.\d+)?\b")


# A month a question names: "in October", "October 2026", "oct 2026"; a short name ("jan", "may") only with a
# year, as alone it is more often a name or the verb.
_ASKED_MONTH = re.compile(
    r"\b(?:(january|february|march|april|june|july|august|september|october|november|december)(?:\s+(\d{4}))?"
    r"|(jan|feb|mar|apr|may|jun|jul|aug|sept?|oct|nov|dec)\.?\s+(\d{4}))\b",
    re.IGNORECASE,
)


def asked_month(question: str) -> tuple[int, int | None] | None:
    """The month (and year, if given) a question about changes names ("what shipped in October?"), or None."""
    found = _ASKED_MONTH.search(question)
    if found is None:
        return None
    name, year = (found.group(1), found.group(2)) if found.group(1) else (found.group(3), found.group(4))
    return _MONTHS[name.lower()], int(year) if year else None


def asks_what_changed(question: str) -> bool:
    """Whether the question is about recent changes, so change logs may answer it."""
    return bool(_ABOUT_CHANGES.search(question))


def asks_about_everything_new(question: str, tokenizer: Tokenizer, common: Callable[[str], bool]) -> bool:
    """Whether the question asks what changed without naming a topic ("what's new in Acme?", "latest release?");
    `common` tells the words in so many documents that they name none (the product's name).

    Only the sentences that ask count when some do: in "what shipped in October? writing the newsletter" the
    second sentence says why, not what about.
    """
    asked = _asking_sentences(question)
    if not any(asks_what_changed(sentence) for sentence in asked):
        return False
    month = _ASKED_MONTH.search(question)
    named = set(tokenizer.words(month.group(0))) if month else set()
    return all(
        w in _RECENCY_WORDS or w in FRAMING_WORDS or w in named or common(w)
        for sentence in asked
        for w in tokenizer.words(sentence)
    )


def _asking_sentences(message: str) -> list[str]:
    """The sentences of a message that end in a question mark, or the whole message when none does."""
    sentences = [s for s in SENTENCE_END.split(message) if s.strip()]
    asking = [s for s in sentences if s.rstrip().endswith("?")]
    return asking or [message]


def heading_date(heading: str) -> tuple[int, int, int] | None:
    """The date a heading gives (2026-11-01, November 2026, version 2026.5.0), or None."""
    iso = _ISO.search(heading)
    if iso:
        return int(iso.group(1)), int(iso.group(2)), int(iso.group(3) or 1)
    for word, year in _MONTH_YEAR.findall(heading):
        if word.lower() in _MONTHS:
            return int(year), _MONTHS[word.lower()], 1
    version = _VERSION.search(heading)
    return (int(version.group(1)), int(version.group(2)), 1) if version else None


def _entries(chunk: Chunk) -> list[tuple[tuple[int, int, int], Chunk]]:
    """The dated entries of a chunk: its own heading's, and each merged section's whose heading has a date,
    each cut where the next dated entry starts."""
    found: list[tuple[tuple[int, int, int], tuple[str, ...], str]] = []
    path_date = next((d for d in map(heading_date, reversed(chunk.heading_path)) if d), None)
    current: tuple[tuple[int, int, int] | None, tuple[str, ...], list[str]] = (
        path_date,
        chunk.heading_path,
        [],
    )
    for paragraph in chunk.text.split("\n\n"):
        line = paragraph.strip()
        merged = line.removeprefix(MERGED_HEADING_MARK) if line.startswith(MERGED_HEADING_MARK) else None
        when = heading_date(merged) if merged and "\n" not in line else None
        if when is not None:
            found += _entry(current)
            # A merged section's heading stands in for the chunk's own dated one ("October 2026", not
            # "November 2026 › October 2026").
            undated = tuple(h for h in chunk.heading_path if heading_date(h) is None)
            current = (when, (*undated, merged or ""), [])
            continue
        current[2].append(paragraph)
    found += _entry(current)
    return [(when, replace(chunk, heading_path=path, text=text)) for when, path, text in found]


def _entry(
    part: tuple[tuple[int, int, int] | None, tuple[str, ...], list[str]],
) -> list[tuple[tuple[int, int, int], tuple[str, ...], str]]:
    when, path, paragraphs = part
    text = "\n\n".join(paragraphs).strip()
    return [(when, path, text)] if when is not None and text else []


def is_dated_source(chunk: Chunk) -> bool:
    """Whether the chunk belongs to release notes or a change log."""
    return chunk.kind == "changelog" or bool(_DATED_SOURCE.search(PurePosixPath(chunk.source).stem))


def newest_entries(chunks: Sequence[Chunk], month: tuple[int, int | None] | None = None) -> list[Chunk]:
    """The newest dated entry of each release-notes or change-log document, newest first; given a month (and
    year), the newest entry of that month."""
    best: dict[str, tuple[tuple[int, int, int], int, Chunk]] = {}
    for position, chunk in enumerate(chunks):
        if not is_dated_source(chunk):
            continue
        for when, entry in _entries(chunk):
            if month is not None and not _in_month(when, month):
                continue
            # Equal dates: the entry nearer the top, where change logs put the newest.
            held = best.get(chunk.source)
            if held is None or when > held[0]:
                best[chunk.source] = (when, -position, entry)
    return [chunk for _, _, chunk in sorted(best.values(), key=lambda item: item[:2], reverse=True)]


def _in_month(when: tuple[int, int, int], month: tuple[int, int | None]) -> bool:
    number, year = month
    return when[1] == number and (year is None or when[0] == year)
