"""Answers quote what a reader of the page sees as prose: never markup, captions, licences or ignored files."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.db.database import Database
from bot.db.migrate import upgrade
from knowledge.answer import compose_extractive
from knowledge.documents import CODE_FENCE, Chunk
from knowledge.index import LexicalIndex
from knowledge.ingest import UnreadableFile, discover, load_file
from knowledge.retrieve import Retriever
from knowledge.store import KnowledgeStore
from tests.knowledge.conftest import BLIND_SETS, GOLD, load_gold

CORPORA = Path(__file__).resolve().parents[3] / "shared" / "corpora"
SETS = (GOLD, *BLIND_SETS)
_INLINE_CODE = re.compile(r"`[^`]*`")
_ALT = re.compile(r"""\balt=["']([^"']+)["']|!\[([^\]]+)\]|\bcaption=["']([^"']+)["']""")

MDX_PAGE = """---
title: Webhooks
description: Send events to your own endpoint.
---
import CtaBox from '@site/components/CtaBox';

Webhooks post every new event to a URL you choose.

<CtaBox title="Try Acme free" link="https://acme.example/signup" />

<Frame caption="The webhook settings screen">
  <img alt="Webhook settings" src="/images/webhooks.png" />
</Frame>

![Event log screenshot](/img/log.png)

<!-- TODO: document retries -->

:::tip Signing secret
Each request carries a signature header you can verify with your signing secret.
:::

<Note>
  Webhooks are available on the **Business** plan only.
</Note>

## Example payload

The body is JSON with the event name and time.

```json
{"event": "signup", "at": "2026-01-01T10:00:00Z"}
```
"""


def _quotes(text: str) -> list[str]:
    """The quoted lines of an answer (after "> "), without code blocks or inline code."""
    lines = [line[2:] for line in text.splitlines() if line.startswith("> ")]
    prose: list[str] = []
    in_code = False
    for line in lines:
        if line.strip().startswith(CODE_FENCE):
            in_code = not in_code
        elif not in_code:
            prose.append(_INLINE_CODE.sub("", line))
    return prose


@cache
def _corpus(name: str) -> tuple[list[Chunk], frozenset[str]]:
    """The corpus's chunks, and every image caption or alt text its pages hold."""
    root = CORPORA / name
    chunks = [c for f in discover([root]) for c in load_file(f.path, f.root).chunks]
    captions = frozenset(
        caption.strip()
        for path in root.rglob("*.md*")
        for match in _ALT.finditer(path.read_text(encoding="utf-8"))
        for caption in match.groups()
        if caption and len(caption.split()) >= 2
    )
    return chunks, captions


@pytest.mark.parametrize("name", ["plausible", "hoppscotch"])
def test_no_answer_to_any_question_quotes_markup_captions_or_licences(name: str) -> None:
    if not (CORPORA / name).is_dir():
        pytest.skip(f"corpus {CORPORA / name} is absent")
    chunks, captions = _corpus(name)
    retriever = Retriever(LexicalIndex.build(chunks))
    questions = [g["question"] for path in SETS if path.is_file() for g in load_gold(path)]
    assert questions
    for question in questions:
        hits = retriever.retrieve(question, 5, today=date(2026, 11, 25)).hits
        answer = compose_extractive(question, hits, today=date(2026, 11, 25))
        for line in _quotes(answer.text):
            assert "<" not in line and ":::" not in line and "<!--" not in line, (question, line)
            assert line.strip().removeprefix("- ") not in captions, (question, line)
            assert not any(d in line for d in _descriptions(name)), (question, line)
        assert not any(s.source.startswith(("LICENSE", "SOURCE")) for s in answer.sources), question


@cache
def _descriptions(name: str) -> frozenset[str]:
    """The front-matter descriptions of the corpus's pages (the first sentence of each, spaces collapsed)."""
    found = set()
    for path in (CORPORA / name).rglob("*.md*"):
        match = _DESCRIPTION.search(path.read_text(encoding="utf-8"))
        if match:
            found.add(" ".join(match.group(1).split()).split(". ")[0])
    return frozenset(found)


_DESCRIPTION = re.compile(r"""^description:\s*["']?(.+?)["']?\s*$""", re.MULTILINE)


def test_a_pages_description_finds_it_but_is_never_quoted(tmp_path: Path) -> None:
    retriever = Retriever(LexicalIndex.build(load_file(_page(tmp_path), tmp_path).chunks))
    # "endpoint" is only in the description: it still finds the page, whose prose answers.
    question = "can we send events to our own endpoint?"
    answer = compose_extractive(question, retriever.retrieve(question, 5).hits)
    assert answer.sources and answer.sources[0].source == "webhooks.mdx"
    quoted = "\n".join(_quotes(answer.text))
    assert "Webhooks post every new event to a URL you choose." in quoted
    assert "Send events to your own endpoint" not in quoted and "%%" not in answer.text


def test_a_page_found_through_its_description_alone_gives_way_to_one_whose_text_says_it(
    tmp_path: Path,
) -> None:
    (tmp_path / "carrd.md").write_text(
        "---\ntitle: Adding Acme to Carrd\ndescription: Add Acme to Carrd. No cookies, cookie-free.\n---\n\n"
        "Here's how to add Acme to your Carrd site: paste the snippet into an Embed element.\n",
        encoding="utf-8",
    )
    (tmp_path / "privacy.md").write_text(
        "# Privacy\n\nAcme sets no cookies and stores no personal data, so no cookie banner is needed.\n",
        encoding="utf-8",
    )
    chunks = [c for f in discover([tmp_path]) for c in load_file(f.path, f.root).chunks]
    question = "does acme use cookies?"
    hits = Retriever(LexicalIndex.build(chunks)).retrieve(question, 5).hits
    assert hits[0].chunk.source == "carrd.md"  # its description's "cookies" ranks it first
    quoted = "\n".join(_quotes(compose_extractive(question, hits).text))
    assert "Acme sets no cookies" in quoted and "Carrd" not in quoted


def _page(tmp_path: Path) -> Path:
    page = tmp_path / "webhooks.mdx"
    page.write_text(MDX_PAGE, encoding="utf-8")
    return page


def test_mdx_markup_is_dropped_and_the_prose_inside_components_kept(tmp_path: Path) -> None:
    doc = load_file(_page(tmp_path), tmp_path)
    text = "\n".join(c.text for c in doc.chunks)
    for markup in (
        "import",
        "CtaBox",
        "Try Acme free",
        "<",
        ":::",
        "TODO",
        "screen",
        "Webhook settings",
        "Event log screenshot",
        "**",
    ):
        assert markup not in text, markup
    assert "Each request carries a signature header" in text  # the admonition's prose stays
    assert "Webhooks are available on the Business plan only." in text  # so does a <Note>'s


def test_a_sentence_pointing_at_a_link_the_quote_drops_is_not_quoted(tmp_path: Path) -> None:
    (tmp_path / "guests.md").write_text(
        "# Guest access\n\nGuests can view the dashboard but cannot change site settings. "
        "Here's how to invite guests.\n\nSee how [here](/invite).\n",
        encoding="utf-8",
    )
    chunks = list(load_file(tmp_path / "guests.md", tmp_path).chunks)
    question = "can guests change the site settings of the dashboard?"
    answer = compose_extractive(question, Retriever(LexicalIndex.build(chunks)).retrieve(question).hits)
    assert "cannot change site settings" in answer.text
    assert "Here's how" not in answer.text and "See how" not in answer.text


def test_code_is_quoted_only_when_the_question_asks_for_code(tmp_path: Path) -> None:
    chunks = list(load_file(_page(tmp_path), tmp_path).chunks)
    retriever = Retriever(LexicalIndex.build(chunks))
    plain = "what does the webhook body contain, which event name and time?"
    asked = "show me an example payload snippet of the webhook json body"
    for question, wants in ((plain, False), (asked, True)):
        answer = compose_extractive(question, retriever.retrieve(question).hits)
        assert ('"event": "signup"' in answer.text) is wants, answer.text


def test_licence_and_source_notes_are_never_indexed(tmp_path: Path) -> None:
    for name in ("LICENSE.md", "SOURCE.md", "guide.md"):
        (tmp_path / name).write_text(f"# {name}\n\nThe guide explains exports.\n", encoding="utf-8")
    left_out: list[tuple[Path, str]] = []
    found = [f.source for f in discover([tmp_path], left_out=left_out)]
    assert found == ["guide.md"]
    assert sorted(p.name for p, _ in left_out) == ["LICENSE.md", "SOURCE.md"]


def test_a_licence_page_inside_the_docs_is_documentation_and_a_vendored_licence_is_not(
    tmp_path: Path,
) -> None:
    (tmp_path / "support").mkdir()
    (tmp_path / "vendor").mkdir()
    (tmp_path / "support" / "license.mdx").write_text("# License\n\nThe community edition is MIT.\n")
    (tmp_path / "vendor" / "LICENSE").write_text("MIT License. Permission is hereby granted.\n")
    left_out: list[tuple[Path, str]] = []
    found = [f.source for f in discover([tmp_path], left_out=left_out)]
    assert found == ["support/license.mdx"]
    assert [p.name for p, _ in left_out] == ["LICENSE"]


def test_files_listed_in_the_ignore_file_are_left_out_and_a_bad_line_is_named(tmp_path: Path) -> None:
    (tmp_path / "drafts").mkdir()
    for name in ("drafts/plan.md", "notes.tmp.md", "keep.tmp.md", "guide.md"):
        (tmp_path / name).write_text("Some text about exports.\n", encoding="utf-8")
    (tmp_path / ".cluelineignore").write_text("drafts/\n*.tmp.md\n!keep.tmp.md\n\\\n", encoding="utf-8")
    left_out: list[tuple[Path, str]] = []
    found = sorted(f.source for f in discover([tmp_path], left_out=left_out))
    assert found == ["guide.md", "keep.tmp.md"]
    reasons = {p.name: why for p, why in left_out}
    assert reasons["plan.md"] == reasons["notes.tmp.md"] == "listed in .cluelineignore"
    assert (
        reasons[".cluelineignore"] == "line 4 (\\): not a gitignore pattern, left out; the other lines apply"
    )


async def test_ingest_names_empty_and_unreadable_documents_bad_ignore_lines_and_left_out_files(
    tmp_path: Path,
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "guide.md").write_text("# Guide\n\nExports run every night at two.\n", encoding="utf-8")
    (docs / "empty.md").write_text("---\ntitle: Nothing yet\n---\n<!-- TODO -->\n", encoding="utf-8")
    (docs / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    (docs / "LICENSE.md").write_text("MIT License. Permission is hereby granted.\n", encoding="utf-8")
    (docs / ".cluelineignore").write_text("# drafts\n[z-a]\n", encoding="utf-8")
    db = Database(f"sqlite:///{tmp_path / 'k.db'}")
    await upgrade(db)
    try:
        store = KnowledgeStore(db, clock=ManualClock(datetime(2026, 11, 25, tzinfo=UTC)))
        report = await store.ingest([docs])
        assert report.added == ["guide.md"]
        failed = dict(report.failed)
        # Empty is not broken: it is skipped, and named.
        assert dict(report.skipped)[str(docs / "empty.md")] == "empty: no text to index"
        assert failed[str(docs / "broken.pdf")]  # named, with why it could not be read
        assert failed[str(docs / ".cluelineignore")].startswith("line 2 ([z-a]):")
        assert dict(report.skipped)[str(docs / "LICENSE.md")].startswith("a licence")
        assert not (await store.ask("what does the licence permit?")).answered
    finally:
        await db.dispose()


def test_a_changelog_answers_only_questions_about_what_changed(tmp_path: Path) -> None:
    (tmp_path / "CHANGELOG.md").write_text(
        "# Changelog\n\n## 2026-11-01\n\nDark mode for the dashboard arrived in the web app.\n",
        encoding="utf-8",
    )
    (tmp_path / "themes.md").write_text(
        "# Themes\n\nThe dashboard follows your system theme: light or dark mode.\n", encoding="utf-8"
    )
    chunks = [c for f in discover([tmp_path]) for c in load_file(f.path, f.root).chunks]
    assert {c.kind for c in chunks if c.source == "CHANGELOG.md"} == {"changelog"}
    retriever = Retriever(LexicalIndex.build(chunks))
    assert [h.chunk.source for h in retriever.retrieve("does the dashboard have dark mode").hits] == [
        "themes.md"
    ]
    changed = retriever.retrieve("what's new in the dashboard, any recent changes to dark mode?").hits
    assert "CHANGELOG.md" in [h.chunk.source for h in changed]


def test_an_ignore_file_saved_in_windows_1252_still_applies(tmp_path: Path) -> None:
    (tmp_path / "drafts").mkdir()
    (tmp_path / "drafts" / "roadmap.md").write_text("Secret plans.\n", encoding="utf-8")
    (tmp_path / "guide.md").write_text("Exports run nightly.\n", encoding="utf-8")
    (tmp_path / ".cluelineignore").write_bytes("# Entwürfe bleiben draußen\ndrafts/\n".encode("cp1252"))
    left_out: list[tuple[Path, str]] = []
    assert [f.source for f in discover([tmp_path], left_out=left_out)] == ["guide.md"]
    assert dict((p.name, why) for p, why in left_out) == {"roadmap.md": "listed in .cluelineignore"}


def test_an_ignore_file_that_cannot_be_read_keeps_its_whole_folder_out(tmp_path: Path) -> None:
    (tmp_path / "internal-notes.md").write_text("Secret: the discount floor is 45%.\n", encoding="utf-8")
    (tmp_path / "guide.md").write_text("Exports run nightly.\n", encoding="utf-8")
    (tmp_path / ".cluelineignore").write_bytes(b"internal-*.md\n\x00\x01\x02")
    left_out: list[tuple[Path, str]] = []
    assert list(discover([tmp_path], left_out=left_out)) == []
    [(path, why)] = left_out
    assert path.name == ".cluelineignore" and "nothing in its folder was ingested" in why


def test_a_picture_renamed_to_markdown_is_not_read_as_text(tmp_path: Path) -> None:
    picture = tmp_path / "image.md"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10")
    with pytest.raises(UnreadableFile, match="binary data"):
        load_file(picture, tmp_path)


def test_a_page_saved_as_utf_16_is_read(tmp_path: Path) -> None:
    page = tmp_path / "exports.md"
    page.write_bytes("# Exports\n\nExports run every night at two.\n".encode("utf-16"))
    [chunk] = load_file(page, tmp_path).chunks
    assert chunk.text == "Exports run every night at two."


def test_mkdocs_and_github_admonition_markers_are_never_quoted(tmp_path: Path) -> None:
    page = tmp_path / "linux.md"
    page.write_text(
        "# Linux\n\n"
        '!!! warning "Before you start"\n    The Linux app has no idle detection.\n\n'
        "??? note\n    It runs on Ubuntu 22.04 and later.\n\n"
        "> [!NOTE]\n> Admins can approve timesheets for their team.\n",
        encoding="utf-8",
    )
    text = "\n".join(chunk.text for chunk in load_file(page, tmp_path).chunks)
    assert "!!!" not in text and "???" not in text and "[!NOTE]" not in text and "warning" not in text
    for kept in ("Before you start", "no idle detection", "Ubuntu 22.04", "Admins can approve timesheets"):
        assert kept in text
