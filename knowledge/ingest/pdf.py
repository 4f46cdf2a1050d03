"""PDF files through pypdf: one section per page, so long pages are cut at paragraphs."""

from __future__ import annotations

import io
from pathlib import Path

from knowledge.ingest.chunking import Section
from knowledge.ingest.errors import UnreadableFile


def load_pdf(data: bytes, path: Path, fallback_title: str) -> tuple[str, list[Section]]:
    """The PDF's title (from its metadata when set) and one section per page with text."""
    # Imported here: pypdf takes a noticeable part of a second to load, and every process that answers
    # questions or sends messages imports this module without ever reading a PDF.
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise UnreadableFile(path, "the PDF is encrypted")
        pages = [page.extract_text() or "" for page in reader.pages]
        meta_title = reader.metadata.title if reader.metadata else None
    except UnreadableFile:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        raise UnreadableFile(path, f"not a readable PDF ({exc.__class__.__name__})") from exc
    sections = [Section((), text.strip()) for text in pages if text.strip()]
    title = str(meta_title).strip() if meta_title else ""
    return title or fallback_title, sections
