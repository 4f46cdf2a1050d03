"""Extractive and LLM answers: citations, staleness labels, declines and fallbacks."""

from __future__ import annotations

import asyncio
from datetime import date

from knowledge.answer import (
    CLOSEST_PAGES_HEADING,
    DONT_KNOW,
    NO_ANSWER_TOKEN,
    best_quote,
    compose_extractive,
    compose_with_llm,
)
from knowledge.index import ScoredChunk
from knowledge.ingest.chunking import ChunkDefaults, Section, chunk_sections
from knowledge.text import Tokenizer
from tests.knowledge.conftest import make_chunk

TODAY = date(2026, 11, 25)

REFUNDS = ScoredChunk(
    make_chunk(
        "pricing#1",
        "Annual plans can be refunded in full within thirty days of purchase. "
        "Monthly plans are not refunded.",
        source="pricing.html",
        doc_title="Acme pricing",
        heading_path=("Refunds",),
        verified_on=date(2025, 1, 1),
        review_days=90,
    ),
    score=9.0,
    coverage=1.0,
)
EXPORT = ScoredChunk(
    make_chunk(
        "faq#0",
        "Open a report, click Export and choose XLSX.",
        source="support-faq.csv",
        doc_title="support faq",
        heading_path=("Can I export reports to Excel?",),
        kind="faq",
    ),
    score=4.0,
    coverage=0.5,
)


class RecordingWriter:
    """An AnswerWriter that returns a fixed reply and remembers the prompt."""

    def __init__(self, reply: str) -> None:
        self.reply = reply
        self.prompts: list[tuple[str, str]] = []

    async def write(self, system: str, prompt: str) -> str:
        self.prompts.append((system, prompt))
        return self.reply


class FailingWriter:
    async def write(self, system: str, prompt: str) -> str:
        raise ConnectionError("HTTP 500")


class SlowWriter:
    async def write(self, system: str, prompt: str) -> str:
        await asyncio.sleep(10)
        return "too late"


def test_extractive_answer_quotes_the_best_passage_and_cites_it() -> None:
    answer = compose_extractive("can annual plans be refunded?", [REFUNDS, EXPORT], today=TODAY)
    assert answer.answered
    assert "refunded in full within thirty days" in answer.text
    assert answer.sources[0].source == "pricing.html"
    assert answer.sources[0].title == "Acme pricing › Refunds"
    assert "pricing.html" in answer.text


def test_a_sentence_wrapped_across_lines_is_quoted_whole() -> None:
    wrapped = (
        "Open the report and click Export. PDF gives a printable report with your logo; CSV\n"
        "gives the same figures as a spreadsheet.\n\nLarge reports are emailed to you."
    )
    quote, _ = best_quote("does it give me a printable report?", wrapped, Tokenizer())
    assert (
        quote == "PDF gives a printable report with your logo; CSV gives the same figures as a spreadsheet."
    )


def test_a_short_quote_goes_on_to_the_end_of_its_paragraph_but_not_beyond() -> None:
    steps = (
        "Go to Banking and click Connect bank. Pick your bank and sign in on its own page.\n\n"
        "Banks ask you to renew your consent every 90 days."
    )
    quote, _ = best_quote("how do I connect my bank?", steps, Tokenizer())
    assert quote == "Go to Banking and click Connect bank. Pick your bank and sign in on its own page."


def test_list_items_are_quoted_one_to_a_line() -> None:
    roles = (
        "Each person gets one role.\n\n"
        "- Owner: everything, including billing.\n"
        "- Bookkeeper: invoices, expenses and reports; cannot\n  invite people.\n"
        "- Viewer: read-only access to reports."
    )
    quote, _ = best_quote("what can the bookkeeper and the viewer see in reports?", roles, Tokenizer())
    assert quote == (
        "- Bookkeeper: invoices, expenses and reports; cannot invite people.\n"
        "- Viewer: read-only access to reports."
    )


def test_a_passage_that_matched_by_its_heading_alone_is_quoted_from_the_top() -> None:
    roles = (
        "- Owner: everything, including billing.\n- Bookkeeper: invoices and reports.\n- Viewer: read-only."
    )
    quote, _ = best_quote("what roles are there", roles, Tokenizer())
    assert quote == roles


def test_a_sentence_longer_than_the_quote_limit_is_cut_at_a_word() -> None:
    long_line = "The report shows " + ", ".join(f"figure {n}" for n in range(30)) + "."
    quote, _ = best_quote("which figures does the report show", long_line, Tokenizer(), max_words=6)
    assert quote == "The report shows figure 0, figure …"


def test_a_quote_from_a_merged_section_cites_that_sections_heading() -> None:
    sections = [
        Section(("Install",), "Run the installer."),
        Section(("Install", "On Windows"), "Windows asks for an administrator password. " * 8),
    ]
    (chunk,) = chunk_sections(sections, ChunkDefaults(source="guide.md", doc_title="Guide"))
    answer = compose_extractive(
        "does windows ask for a password?", [ScoredChunk(chunk, 5.0, 1.0)], today=TODAY
    )
    assert answer.text.startswith("From Guide › On Windows [1]:")
    assert "[1] Guide › On Windows (guide.md)" in answer.text
    assert answer.sources[0].title == "Guide › On Windows"
    assert "##" not in answer.text
    first = compose_extractive("how do I run the installer?", [ScoredChunk(chunk, 5.0, 1.0)], today=TODAY)
    assert first.text.startswith("From Guide › Install [1]:")


def test_expired_entry_is_labelled_as_possibly_out_of_date() -> None:
    answer = compose_extractive("refunds?", [REFUNDS], today=TODAY)
    assert answer.stale
    assert "may be out of date: last verified 2025-01-01" in answer.text


def test_fresh_entry_carries_no_staleness_label() -> None:
    answer = compose_extractive("export to excel", [EXPORT], today=TODAY)
    assert not answer.stale and "out of date" not in answer.text


def test_no_hits_gives_the_honest_decline() -> None:
    answer = compose_extractive("anything", [], today=TODAY)
    assert not answer.answered and answer.text == DONT_KNOW and answer.sources == []


async def test_llm_prompt_holds_the_numbered_passages_and_the_answer_keeps_citations() -> None:
    writer = RecordingWriter("Annual plans are refundable within thirty days [1].")
    answer = await compose_with_llm("refund?", [REFUNDS, EXPORT], writer, today=TODAY)
    system, prompt = writer.prompts[0]
    assert NO_ANSWER_TOKEN in system
    assert "[1] Acme pricing › Refunds" in prompt and "refunded in full" in prompt
    assert "[2] support faq › Can I export reports to Excel?" in prompt
    assert answer.answered and "[1]" in answer.text
    assert [s.source for s in answer.sources] == ["pricing.html"]


async def test_llm_no_answer_token_declines_and_points_to_the_passages_it_read() -> None:
    answer = await compose_with_llm("refund?", [REFUNDS], RecordingWriter("NO_ANSWER"), today=TODAY)
    assert not answer.answered and answer.text.startswith(DONT_KNOW)
    assert answer.sources == [] and [s.source for s in answer.closest] == ["pricing.html"]
    assert CLOSEST_PAGES_HEADING in answer.text and "- Acme pricing › Refunds (pricing.html)" in answer.text


async def test_llm_error_falls_back_to_the_extractive_answer() -> None:
    answer = await compose_with_llm("refund?", [REFUNDS], FailingWriter(), today=TODAY)
    assert answer.answered and "refunded in full" in answer.text


async def test_llm_timeout_falls_back_to_the_extractive_answer() -> None:
    answer = await compose_with_llm("refund?", [REFUNDS], SlowWriter(), today=TODAY, timeout=0.05)
    assert answer.answered and "refunded in full" in answer.text


async def test_thread_context_is_passed_to_the_llm() -> None:
    writer = RecordingWriter("Yes [1].")
    await compose_with_llm("and monthly?", [REFUNDS], writer, context="Q: refunds for annual plans?")
    assert "Q: refunds for annual plans?" in writer.prompts[0][1]
