"""Chunking follows headings, cuts long sections at paragraphs and merges tiny ones."""

from __future__ import annotations

from knowledge.documents import MERGED_HEADING_MARK, merged_heading_line
from knowledge.ingest.chunking import MAX_WORDS, ChunkDefaults, Section, chunk_sections
from knowledge.text import Tokenizer

DEFAULTS = ChunkDefaults(source="guide.md", doc_title="Guide")


def paragraph(word: str, n: int) -> str:
    return " ".join([word] * n)


def test_long_section_is_cut_at_paragraph_boundaries() -> None:
    text = "\n\n".join(paragraph(f"p{i}", 100) for i in range(5))
    chunks = chunk_sections([Section(("Setup",), text)], DEFAULTS)
    assert len(chunks) == 3
    assert all(len(c.text.split()) <= MAX_WORDS for c in chunks)
    assert all(c.heading_path == ("Setup",) for c in chunks)
    # No paragraph is split between chunks.
    for c in chunks:
        for para in c.text.split("\n\n"):
            assert len(set(para.split())) == 1


def test_single_huge_paragraph_is_cut_at_words() -> None:
    chunks = chunk_sections([Section(("Big",), paragraph("w", 600))], DEFAULTS)
    assert [len(c.text.split()) for c in chunks] == [250, 250, 100]


def test_tiny_section_is_merged_with_the_next_and_keeps_its_heading_as_text() -> None:
    sections = [
        Section(("Install",), "Run the installer."),
        Section(("Install", "On Windows"), paragraph("windows", 60)),
    ]
    (chunk,) = chunk_sections(sections, DEFAULTS)
    assert chunk.heading_path == ("Install",)
    assert "Run the installer." in chunk.text
    # Marked as a heading line, so an answer quoting what follows can cite it; the mark is no search term.
    assert merged_heading_line("On Windows") in chunk.text.split("\n\n")
    assert Tokenizer().terms(chunk.text) == Tokenizer().terms(chunk.text.replace(MERGED_HEADING_MARK, ""))


def test_sections_of_fair_size_stay_apart() -> None:
    sections = [Section(("A",), paragraph("a", 80)), Section(("B",), paragraph("b", 80))]
    chunks = chunk_sections(sections, DEFAULTS)
    assert [c.heading_path for c in chunks] == [("A",), ("B",)]


def test_chunk_keys_are_unique_and_ordered() -> None:
    sections = [Section((f"S{i}",), paragraph("x", 60)) for i in range(4)]
    chunks = chunk_sections(sections, DEFAULTS)
    assert [c.chunk_key for c in chunks] == [f"guide.md#{i}" for i in range(4)]
