"""`load_file`: pick the loader for a file's format and turn it into a LoadedDocument."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from knowledge.documents import Chunk, ChunkKind, LoadedDocument
from knowledge.ingest.calendar import Campaign, campaign_text, campaigns_from_csv, campaigns_from_ics
from knowledge.ingest.chunking import ChunkDefaults, Section, chunk_sections
from knowledge.ingest.csv import Row, faq_pairs, is_calendar, is_faq, read_rows
from knowledge.ingest.encoding import decode_text
from knowledge.ingest.errors import UnreadableFile, UnsupportedFile
from knowledge.ingest.frontmatter import EntryMeta, entry_meta
from knowledge.ingest.html import load_html
from knowledge.ingest.ignore import (
    IGNORE_FILE,
    IGNORED,
    NOT_DOCUMENTATION,
    is_changelog,
    never_indexed,
    read_ignore_file,
)
from knowledge.ingest.markdown import load_markdown
from knowledge.ingest.pdf import load_pdf
from knowledge.ingest.plain import load_text

MARKDOWN_SUFFIXES = frozenset({".md", ".mdx", ".markdown"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
SUPPORTED_SUFFIXES = MARKDOWN_SUFFIXES | HTML_SUFFIXES | {".txt", ".text", ".pdf", ".csv", ".ics"}
# Folders never entered, beside hidden ones: Python's compiled bytecode is never documentation.
NEVER_WALKED = frozenset({"__pycache__"})

# Part of every file's content hash: when how files are read changes (a front-matter description kept out of
# quotes), the next ingest reads every file again rather than keep what the older reading stored.
READING_VERSION = b"2\n"


@dataclass(frozen=True)
class FileToIngest:
    """A file found under an ingest path, with the root its source name is relative to."""

    path: Path
    root: Path

    @property
    def source(self) -> str:
        """The file's name relative to its root, with forward slashes."""
        return source_name(self.path, self.root)


def source_name(path: Path, root: Path) -> str:
    """Path relative to root (POSIX style); the bare file name when it is not under root."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.name


def discover(
    paths: Iterable[Path],
    outside: list[Path] | None = None,
    left_out: list[tuple[Path, str]] | None = None,
) -> Iterator[FileToIngest]:
    """Every file to index under the given files and folders; a folder is the root of what it holds.

    A symbolic link in a folder is taken only when it resolves inside that folder, and a file reached twice
    (itself and through a link) once; links leading out are appended to `outside`, not followed.
    Licence and source notes, and files a folder's `.cluelineignore` lists, are appended to `left_out` with
    the reason, as is each line of that ignore file that does not parse.
    """
    skipped = left_out if left_out is not None else []
    for given in paths:
        if given.is_dir():
            rules = read_ignore_file(given)
            problem = rules.problem()
            if problem is not None:
                skipped.append((given / IGNORE_FILE, problem))
            if rules.unreadable is not None:
                continue
            for item in _inside(given, outside if outside is not None else []):
                if never_indexed(item.path, at_top="/" not in item.source):
                    skipped.append((item.path, NOT_DOCUMENTATION))
                elif rules.ignores(item.source):
                    skipped.append((item.path, IGNORED))
                else:
                    yield item
        elif never_indexed(given):
            skipped.append((given, NOT_DOCUMENTATION))
        else:
            yield FileToIngest(given, given.parent)


def _inside(folder: Path, outside: list[Path]) -> Iterator[FileToIngest]:
    root = folder.resolve()
    files: list[Path] = []
    links: list[Path] = []
    leaving: list[Path] = []
    # os.walk does not enter linked folders: what a link inside leads to is walked where it really is.
    for here, folders, names in os.walk(folder):
        base = Path(here)
        folders[:] = [name for name in folders if not name.startswith(".") and name not in NEVER_WALKED]
        leaving += [base / name for name in folders if _leads_out(base / name, root)]
        for name in names:
            if not name.startswith("."):
                (links if (base / name).is_symlink() else files).append(base / name)
    taken = {path.resolve() for path in files}
    for link in links:
        if _leads_out(link, root):
            leaving.append(link)
            continue
        target = link.resolve()
        if target.is_file() and target not in taken:
            taken.add(target)
            files.append(link)
    outside += sorted(leaving)
    for found in sorted(files):
        yield FileToIngest(found, folder)


def _leads_out(path: Path, root: Path) -> bool:
    """Whether `path` is a symbolic link that resolves outside `root` (or into a loop)."""
    if not path.is_symlink():
        return False
    try:
        return not path.resolve().is_relative_to(root)
    except (OSError, RuntimeError):  # a loop of links
        return True


def _title_from_name(path: Path) -> str:
    return path.stem.replace("-", " ").replace("_", " ").strip() or path.name


def _faq_chunks(records: list[Row], path: Path, source: str, title: str) -> tuple[Chunk, ...]:
    chunks: list[Chunk] = []
    for record in faq_pairs(records, path):
        meta = entry_meta(dict(record))
        chunks.append(
            Chunk(
                chunk_key=f"{source}#{len(chunks)}",
                source=source,
                doc_title=title,
                heading_path=(record["question"],),
                text=record["answer"],
                url=meta.url,
                kind="faq",
                owner=meta.owner,
                verified_on=meta.verified_on,
                review_days=meta.review_days,
            )
        )
    return tuple(chunks)


def _calendar_chunks(campaigns: list[Campaign], source: str, title: str) -> tuple[Chunk, ...]:
    return tuple(
        Chunk(
            chunk_key=f"{source}#{i}",
            source=source,
            doc_title=title,
            heading_path=(c.name if "campaign" in c.name.lower() else f"{c.name} campaign",),
            text=campaign_text(c),
            kind="calendar",
        )
        for i, c in enumerate(campaigns)
    )


def load_file(path: Path, root: Path) -> LoadedDocument:
    """Load one file; raises UnsupportedFile or UnreadableFile naming the path."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UnsupportedFile(path, f"unsupported file type {suffix or '(none)'}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableFile(path, exc.strerror or exc.__class__.__name__) from exc
    source = source_name(path, root)
    content_hash = hashlib.sha256(READING_VERSION + data).hexdigest()
    fallback = _title_from_name(path)
    metadata: dict[str, Any] = {}
    meta = EntryMeta()
    sections: list[Section] = []

    if suffix == ".pdf":
        title, sections = load_pdf(data, path, fallback)
    elif suffix == ".ics":
        chunks = _calendar_chunks(campaigns_from_ics(data, path), source, fallback)
        return LoadedDocument(source, fallback, content_hash, "calendar", chunks, metadata)
    else:
        raw = decode_text(data, path)
        if suffix in MARKDOWN_SUFFIXES:
            meta, sections = load_markdown(raw, path)
            title = meta.title or fallback
            if meta.description:
                metadata["description"] = meta.description
        elif suffix in HTML_SUFFIXES:
            title, sections = load_html(raw, fallback)
        elif suffix == ".csv":
            header, records = read_rows(raw, path)
            if is_faq(header):
                chunks = _faq_chunks(records, path, source, fallback)
                return LoadedDocument(source, fallback, content_hash, "faq", chunks, metadata)
            if is_calendar(header):
                chunks = _calendar_chunks(campaigns_from_csv(records, path), source, fallback)
                return LoadedDocument(source, fallback, content_hash, "calendar", chunks, metadata)
            raise UnreadableFile(
                path, "a CSV needs the columns question,answer or name,start,end,audience,brief"
            )
        else:
            title, sections = load_text(raw, fallback)

    defaults = ChunkDefaults(
        source=source,
        doc_title=title,
        url=meta.url,
        owner=meta.owner,
        verified_on=meta.verified_on,
        review_days=meta.review_days,
    )
    for key in ("owner", "url"):
        value = getattr(meta, key)
        if value:
            metadata[key] = value
    if meta.verified_on:
        metadata["verified_on"] = meta.verified_on.isoformat()
    if meta.review_days:
        metadata["review_days"] = meta.review_days
    kind: ChunkKind = "changelog" if is_changelog(path) else "doc"
    return LoadedDocument(
        source, title, content_hash, kind, chunk_sections(sections, replace(defaults, kind=kind)), metadata
    )
