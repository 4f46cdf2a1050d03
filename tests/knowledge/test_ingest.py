"""Loaders for each format, and bad files reported with their path."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from knowledge.documents import MERGED_HEADING_MARK
from knowledge.ingest import UnreadableFile, UnsupportedFile, discover, load_file
from tests.knowledge.conftest import SAMPLES, tiny_pdf


def test_markdown_front_matter_sets_title_owner_and_review() -> None:
    doc = load_file(SAMPLES / "onboarding-guide.md", SAMPLES)
    assert doc.source == "onboarding-guide.md"
    assert doc.title == "Acme Widgets onboarding guide"
    assert doc.kind == "doc"
    first = doc.chunks[0]
    assert first.owner == "dana@acme.example"
    assert first.verified_on == date(2026, 1, 10)
    assert first.review_days == 90
    assert first.url == "https://wiki.acme.example/onboarding"


def test_markdown_chunks_keep_heading_paths_and_drop_mdx_markup() -> None:
    doc = load_file(SAMPLES / "onboarding-guide.md", SAMPLES)
    headings = [h for c in doc.chunks for h in c.heading_path] + [
        line.removeprefix(MERGED_HEADING_MARK)
        for c in doc.chunks
        for line in c.text.splitlines()
        if line.startswith(MERGED_HEADING_MARK)
    ]
    assert "Connecting a data source" in headings and "Refresh schedule" in headings
    everything = "\n".join(c.text for c in doc.chunks)
    assert "import Tip" not in everything
    assert "useBaseUrl" not in everything
    assert "The add source dialog" not in everything  # an image's alt text is no prose to quote
    assert "**" not in everything
    assert "acme invite --email" in everything  # code is kept, and its '#' comment is no heading
    assert all("this is a comment" not in h for c in doc.chunks for h in c.heading_path)


def test_html_uses_title_and_headings_and_ignores_scripts() -> None:
    doc = load_file(SAMPLES / "pricing.html", SAMPLES)
    assert doc.title == "Acme pricing"
    refunds = [c for c in doc.chunks if "refunded in full" in c.text]
    # The short sections are merged; a merged section's heading stays in the text.
    assert refunds and ("Refunds" in refunds[0].heading_path or "Refunds" in refunds[0].text)
    everything = " ".join(c.text for c in doc.chunks)
    assert "ignore me" not in everything
    assert "Monthly plans are not refunded." in everything


def test_plain_text_takes_its_first_short_line_as_title() -> None:
    doc = load_file(SAMPLES / "release-notes.txt", SAMPLES)
    assert doc.title == "Release notes 4.2"
    assert "2027-06-30" in doc.chunks[0].text


def test_pdf_text_is_extracted(tmp_path: Path) -> None:
    path = tmp_path / "handbook.pdf"
    path.write_bytes(tiny_pdf(["Travel expenses are approved by your manager.", "Receipts go to finance."]))
    doc = load_file(path, tmp_path)
    assert doc.source == "handbook.pdf"
    assert "Travel expenses are approved" in doc.chunks[0].text


def test_faq_csv_gives_one_faq_chunk_per_pair() -> None:
    doc = load_file(SAMPLES / "support-faq.csv", SAMPLES)
    assert doc.kind == "faq"
    assert [c.heading_path for c in doc.chunks] == [
        ("Can I export reports to Excel?",),
        ("Is there a mobile app?",),
    ]
    assert doc.chunks[0].owner == "lee@acme.example"
    assert doc.chunks[0].verified_on == date(2026, 10, 1)
    assert all(c.kind == "faq" for c in doc.chunks)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        # Unclosed, the quote swallowed every row after it and the file was reported "empty".
        ('question,answer\n"How do I reset?,Click reset.\nIs there an app?,Yes.\n', "line 2: not valid CSV"),
        (
            "question,answer\nHow do I reset?,Click reset.\n\nIs there an app?,\n",
            "line 4: the row has no answer",
        ),
        ("question,answer\n,Click reset.\n", "line 2: the row has no question"),
    ],
)
def test_a_broken_faq_row_fails_the_file_naming_its_line(tmp_path: Path, content: str, reason: str) -> None:
    path = tmp_path / "faq.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(UnreadableFile) as caught:
        load_file(path, tmp_path)
    assert caught.value.reason.startswith(reason), caught.value.reason


def test_calendar_csv_states_campaign_dates_in_words() -> None:
    doc = load_file(SAMPLES / "campaigns.csv", SAMPLES)
    assert doc.kind == "calendar"
    spring = doc.chunks[0]
    assert spring.heading_path == ("Spring campaign",)
    assert "The Spring campaign launches" in spring.text
    assert "2027-03-02" in spring.text and "Tuesday 2 March 2027" in spring.text
    assert "runs until 2027-04-15" in spring.text
    assert "All EU customers" in spring.text and "SPRING27" in spring.text


def test_icalendar_events_become_dated_campaign_chunks() -> None:
    doc = load_file(SAMPLES / "campaigns.ics", SAMPLES)
    (event,) = doc.chunks
    assert event.kind == "calendar"
    assert "launches (starts) on 2027-06-07" in event.text
    # DTEND of an all-day event is exclusive: the last day is the 11th.
    assert "runs until 2027-06-11" in event.text
    assert "Prospects" in event.text


def test_unsupported_file_is_refused_with_its_path(tmp_path: Path) -> None:
    path = tmp_path / "logo.png"
    path.write_bytes(b"\x89PNG")
    with pytest.raises(UnsupportedFile) as caught:
        load_file(path, tmp_path)
    assert caught.value.path == path
    assert str(path) in str(caught.value)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("broken.pdf", b"%PDF-1.4 this is not really a pdf"),
        ("columns.csv", b"alpha,beta\n1,2\n"),
        ("dates.csv", b"name,start\nLaunch,someday\n"),
        ("front.md", b"---\ntitle: [unclosed\n---\nbody\n"),
        ("calendar.ics", b"this is not a calendar"),
    ],
)
def test_unreadable_file_is_reported_with_its_path(tmp_path: Path, name: str, content: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(UnreadableFile) as caught:
        load_file(path, tmp_path)
    assert caught.value.path == path


def test_missing_file_is_unreadable(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFile):
        load_file(tmp_path / "gone.md", tmp_path)


def test_discover_names_sources_relative_to_the_folder_and_skips_hidden_files(tmp_path: Path) -> None:
    (tmp_path / "guides").mkdir()
    (tmp_path / "guides" / "setup.md").write_text("# Setup\n\nSteps.")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config.md").write_text("hidden")
    found = {f.source for f in discover([tmp_path])}
    assert found == {"guides/setup.md"}


def test_discover_leaves_compiled_python_out_of_a_docs_folder(tmp_path: Path) -> None:
    (tmp_path / "setup.md").write_text("# Setup\n\nSteps.")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "__init__.cpython-311.pyc").write_bytes(b"\xa7\r\r\n")
    assert {f.source for f in discover([tmp_path])} == {"setup.md"}


def test_content_hash_changes_with_the_file(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_text("# A\n\nfirst")
    before = load_file(path, tmp_path).content_hash
    path.write_text("# A\n\nsecond")
    assert load_file(path, tmp_path).content_hash != before
