"""The knowledge store on SQLite and PostgreSQL: ingest, re-ingest, prune, ask, votes, expert answers."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
import pytest

from bot.clock import ManualClock
from bot.db.database import Database
from bot.db.migrate import upgrade
from knowledge.answer import EMPTY_QUESTION_TEXT
from knowledge.store import KnowledgeStore
from tests.knowledge.conftest import CORPUS, CORPUS_SKIP, SAMPLES, load_gold

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


async def _postgres_database() -> tuple[str, str] | None:
    name = f"clueline_knowledge_{uuid.uuid4().hex[:10]}"
    try:
        conn = await asyncpg.connect(PG_ADMIN, timeout=3)
    except (OSError, asyncpg.PostgresError):
        return None
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return name, f"postgresql://postgres@127.0.0.1:5432/{name}"


async def _drop_postgres_database(name: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN, timeout=3)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture(params=["sqlite", "postgresql"])
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A migrated, empty database of each kind (PostgreSQL is skipped when it does not answer)."""
    created: str | None = None
    if request.param == "sqlite":
        db = Database(f"sqlite:///{tmp_path / 'knowledge.db'}")
    else:
        made = await _postgres_database()
        if made is None:
            pytest.skip("PostgreSQL at 127.0.0.1:5432 is not reachable")
        created, url = made
        db = Database(url)
    await upgrade(db)
    try:
        yield db
    finally:
        await db.dispose()
        if created is not None:
            await _drop_postgres_database(created)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    """A writable copy of the sample files."""
    folder = tmp_path / "docs"
    shutil.copytree(SAMPLES, folder)
    return folder


async def test_ingest_then_ask_answers_with_a_cited_source(
    database: Database, clock: ManualClock, docs: Path
) -> None:
    store = KnowledgeStore(database, clock=clock)
    seen: list[str] = []
    report = await store.ingest([docs], prune=False, progress=seen.append)
    assert sorted(report.added) == sorted(seen)
    assert "pricing.html" in report.added and report.failed == []
    answer = await store.ask("can annual plans get a refund?")
    assert answer.answered
    assert answer.sources[0].source == "pricing.html"
    assert "refunded in full" in answer.text


async def test_campaign_question_gets_a_dated_answer(
    database: Database, clock: ManualClock, docs: Path
) -> None:
    store = KnowledgeStore(database, clock=clock)
    await store.ingest([docs])
    answer = await store.ask("when does the spring campaign launch?")
    assert answer.answered and "2027-03-02" in answer.text
    assert answer.sources[0].source == "campaigns.csv"


async def test_reingest_skips_unchanged_replaces_changed_and_prunes_vanished(
    database: Database, clock: ManualClock, docs: Path
) -> None:
    store = KnowledgeStore(database, clock=clock)
    await store.ingest([docs])
    (docs / "release-notes.txt").write_text("Release notes 4.3\n\nVersion 4.3 adds a zebra-striped view.\n")
    (docs / "pricing.html").unlink()
    report = await store.ingest([docs], prune=True)
    assert report.updated == ["release-notes.txt"]
    assert "onboarding-guide.md" in report.unchanged
    assert report.removed == ["pricing.html"]
    assert (await store.ask("zebra striped table view")).answered
    assert not (await store.ask("can annual plans get a refund within thirty days?")).answered


def _page(folder: Path, name: str, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(f"# {name}\n\n{text}\n", encoding="utf-8")


async def test_prune_drops_only_what_vanished_from_the_folders_given(
    database: Database, clock: ManualClock, tmp_path: Path
) -> None:
    store = KnowledgeStore(database, clock=clock)
    _page(tmp_path / "handbook", "leave.md", "Everyone gets twenty-eight days of paid leave a year.")
    _page(tmp_path / "product", "exports.md", "Exports run every night at two.")
    _page(tmp_path / "product", "imports.md", "Imports accept CSV files up to ten megabytes.")
    await store.ingest([tmp_path / "handbook"])
    await store.ingest([tmp_path / "product"])
    (tmp_path / "product" / "imports.md").unlink()
    report = await store.ingest([tmp_path / "product"], prune=True)
    assert report.removed == ["imports.md"]
    assert (await store.ask("how many days of paid leave do we get?")).answered
    # A file given alone prunes nothing of its folder.
    report = await store.ingest([tmp_path / "product" / "exports.md"], prune=True)
    assert report.removed == [] and (await store.ask("how many days of paid leave do we get?")).answered


async def test_a_file_of_the_same_name_in_another_folder_is_refused_not_written_over(
    database: Database, clock: ManualClock, tmp_path: Path
) -> None:
    store = KnowledgeStore(database, clock=clock)
    _page(tmp_path / "a", "faq.md", "The refund window is thirty days from purchase.")
    _page(tmp_path / "b", "faq.md", "The office opens at eight in the morning.")
    await store.ingest([tmp_path / "a"])
    report = await store.ingest([tmp_path / "b"])
    [(path, why)] = report.failed
    assert path == str(tmp_path / "b" / "faq.md") and str((tmp_path / "a").resolve()) in why
    assert (await store.ask("what is the refund window?")).answered
    # Both are kept when their common folder is ingested (as a/faq.md and b/faq.md).
    report = await store.ingest([tmp_path])
    assert sorted(report.added) == ["a/faq.md", "b/faq.md"]


async def test_a_moved_folder_takes_its_documents_with_it(
    database: Database, clock: ManualClock, tmp_path: Path
) -> None:
    store = KnowledgeStore(database, clock=clock)
    _page(tmp_path / "old", "faq.md", "The refund window is thirty days from purchase.")
    await store.ingest([tmp_path / "old"])
    (tmp_path / "old").rename(tmp_path / "new")
    report = await store.ingest([tmp_path / "new"], prune=True)
    assert report.unchanged == ["faq.md"] and report.removed == [] and report.failed == []
    (tmp_path / "new" / "faq.md").unlink()
    _page(tmp_path / "new", "other.md", "Something else entirely.")
    assert (await store.ingest([tmp_path / "new"], prune=True)).removed == ["faq.md"]


async def test_a_file_listed_in_the_ignore_file_leaves_the_store_at_the_next_ingest(
    database: Database, clock: ManualClock, tmp_path: Path
) -> None:
    store = KnowledgeStore(database, clock=clock)
    _page(tmp_path / "docs", "sso-okta.md", "Configuring Okta: paste the metadata URL into the SSO settings.")
    _page(tmp_path / "docs", "exports.md", "Exports run every night at two.")
    await store.ingest([tmp_path / "docs"])
    assert (await store.ask("how do I configure okta sso?")).answered
    (tmp_path / "docs" / ".cluelineignore").write_text("sso-*.md\n", encoding="utf-8")
    report = await store.ingest([tmp_path / "docs"])
    assert report.removed == ["sso-okta.md"]
    assert not (await store.ask("how do I configure okta sso?")).answered


async def test_prune_keeps_expert_answers(database: Database, clock: ManualClock, docs: Path) -> None:
    store = KnowledgeStore(database, clock=clock)
    await store.add_faq("Do we sponsor hackathons?", "Yes, up to two a year; ask marketing.", "slack:U42")
    report = await store.ingest([docs], prune=True)
    assert report.removed == []
    answer = await store.ask("do we sponsor hackathons")
    assert answer.answered and "two a year" in answer.text
    assert answer.sources[0].owner == "slack:U42"
    assert answer.sources[0].verified_on == clock.now().date()


async def test_unreadable_and_unsupported_files_are_reported_and_the_rest_ingested(
    database: Database, clock: ManualClock, docs: Path
) -> None:
    (docs / "broken.pdf").write_bytes(b"%PDF-1.4 garbage")
    (docs / "logo.png").write_bytes(b"\x89PNG")
    store = KnowledgeStore(database, clock=clock)
    report = await store.ingest([docs, docs / "missing.md"])
    failed = {Path(p).name for p, _ in report.failed}
    assert failed == {"broken.pdf", "missing.md"}
    assert [(Path(p).name, why) for p, why in report.skipped] == [("logo.png", "unsupported file type .png")]
    assert "onboarding-guide.md" in report.added


async def test_empty_question_gets_a_hint(database: Database, clock: ManualClock) -> None:
    answer = await KnowledgeStore(database, clock=clock).ask("   ")
    assert not answer.answered and answer.text == EMPTY_QUESTION_TEXT


async def test_unhelpful_votes_demote_a_chunk(database: Database, clock: ManualClock, tmp_path: Path) -> None:
    folder = tmp_path / "twins"
    folder.mkdir()
    for name in ("a", "b"):
        (folder / f"{name}.md").write_text("# Passwords\n\nReset your password from the login page.\n")
    store = KnowledgeStore(database, clock=clock)
    await store.ingest([folder])
    first = (await store.ask("reset password")).sources[0].source
    for _ in range(3):
        await store.vote([f"{first}#0"], helpful=False)
    assert (await store.ask("reset password")).sources[0].source != first


@pytest.mark.parametrize(
    ("question", "answered_from"),
    [
        # A follow-up is read with the thread's question.
        ("and for monthly ones?", "Monthly plans are not refunded"),
        # A longer one too, when it points back at it.
        ("ok, and does that also hold for the monthly ones?", "Monthly plans are not refunded"),
        # A terse new question keeps the answer it has alone, surer than with the thread's question.
        ("invitations expire when?", "Inviting teammates"),
        # A short question word with nothing of its own ("how about", "what about") still follows up.
        ("what about monthly ones?", "Monthly plans are not refunded"),
    ],
)
async def test_a_follow_up_in_a_thread_is_answered_by_its_surer_reading(
    database: Database, clock: ManualClock, docs: Path, question: str, answered_from: str
) -> None:
    store = KnowledgeStore(database, clock=clock)
    await store.ingest([docs])
    answer = await store.ask(question, context="can annual plans get a refund?")
    assert answer.answered and answered_from in answer.text


async def test_how_long_after_a_question_about_the_trial_quotes_its_length(
    database: Database, clock: ManualClock, corpus: Path
) -> None:
    store = KnowledgeStore(database, clock=clock)
    await store.ingest([corpus])
    # "long" asks for a duration: the pricing page's "No long-term contracts" is not about it.
    answer = await store.ask("how long?", context="does plausible have a free trial?")
    assert answer.answered and "30-day" in answer.text, answer.text


@pytest.mark.parametrize("question", ["who is the ceo", "where is the office?"])
async def test_a_short_question_whole_by_itself_is_not_answered_from_the_threads_page(
    database: Database, clock: ManualClock, docs: Path, question: str
) -> None:
    store = KnowledgeStore(database, clock=clock)
    await store.ingest([docs])
    answer = await store.ask(question, context="can annual plans get a refund?")
    assert not answer.answered, answer.text


async def test_gold_set_floors_hold_through_the_store(database: Database, clock: ManualClock) -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"shared corpus {CORPUS} is absent")
    store = KnowledgeStore(database, clock=clock)
    files = [p for p in CORPUS.rglob("*.md") if p.name not in CORPUS_SKIP]
    report = await store.ingest([CORPUS])
    assert len(report.added) >= len(files)
    gold = load_gold()
    answerable = [g for g in gold if g["relevant"]]
    unanswerable = [g for g in gold if not g["relevant"]]
    found = 0
    for g in answerable:
        result = await store.retrieve(g["question"])
        found += any(h.chunk.source in g["relevant"] for h in result.hits)
    declined = 0
    for g in unanswerable:
        declined += not (await store.ask(g["question"])).answered
    assert found / len(answerable) >= 0.90
    # 0.75: the decision is fitted on questions generated over three corpora, no longer on this set (0.85
    # then); it answers more of what blind sets ask (bench/README.md, "Answers: the decision").
    assert declined / len(unanswerable) >= 0.75
