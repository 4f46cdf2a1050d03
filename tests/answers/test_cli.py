"""The command line of the answers feature, run as the operator runs it (a subprocess on the test database)."""

from __future__ import annotations

import asyncio
import json
import subprocess
from pathlib import Path

from bot.clock import SystemClock
from bot.core.types import ConversationRef, UserRef
from bot.db.database import Database
from bot.features.answers.questions import Asked, QuestionLog
from tests.answers.conftest import demo_files
from tests.support.cli_in_process import clueline_here

CONTRACT_KEYS = {"answered", "answer", "sources"}
SOURCE_KEYS = {"title", "source", "score"}


def clueline(database_url: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """Run `clueline ARGS` against the database, without any LLM configured."""
    return clueline_here({"DATABASE_URL": database_url}, *args, without=("OPENAI_", "CLUELINE_"), stdin=stdin)


def test_ingest_reports_added_unchanged_updated_removed_and_failed_files(
    database_url: str, tmp_path: Path
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "guide.md").write_text("# Guide\n\n## Exporting\n\nClick Export to download a CSV.\n")
    (docs / "faq.csv").write_text("question,answer\nIs there an API?,Yes: on the Scale plan.\n")
    (docs / "logo.bmp").write_bytes(b"BM\x00\x00")
    (docs / "bad.csv").write_text("colour,shape\nred,round\n")

    first = clueline(database_url, "knowledge", "ingest", str(docs), "--json")
    # A failed file fails the command (a scheduled ingest can alert), but what could be read is stored.
    assert first.returncode == 1 and first.stderr == "clueline: 1 file failed (listed in the report)\n"
    report = json.loads(first.stdout)
    assert report["added"] == ["faq.csv", "guide.md"]
    assert [Path(f["path"]).name for f in report["failed"]] == ["bad.csv"]
    assert all(f["reason"] for f in report["failed"])
    assert [(Path(f["path"]).name, f["reason"]) for f in report["skipped"]] == [
        ("logo.bmp", "unsupported file type .bmp")
    ]

    again = json.loads(clueline(database_url, "knowledge", "ingest", str(docs), "--json").stdout)
    assert again["added"] == [] and again["unchanged"] == ["faq.csv", "guide.md"]

    (docs / "guide.md").write_text("# Guide\n\n## Exporting\n\nClick Export and pick XLSX.\n")
    (docs / "faq.csv").unlink()
    pruned = json.loads(clueline(database_url, "knowledge", "ingest", str(docs), "--json", "--prune").stdout)
    assert pruned["updated"] == ["guide.md"] and pruned["removed"] == ["faq.csv"]


def test_a_file_that_breaks_its_parser_late_fails_alone_and_the_folder_is_read_on(
    database_url: str, tmp_path: Path
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text("# A\n\nExports are CSV files.\n")
    # The iCalendar parser reads DTSTART only when asked for it, after the file opened fine.
    (docs / "m.ics").write_text(
        "BEGIN:VCALENDAR\nBEGIN:VEVENT\nSUMMARY:X\nDTSTART:99999999T000000Z\nEND:VEVENT\nEND:VCALENDAR\n"
    )
    (docs / "n.md").write_text("---\nreview_days: 99999999999999999999\n---\n# N\n\nInvoices are PDFs.\n")
    (docs / "z.md").write_text("# Z\n\nReports are emailed on Mondays.\n")
    result = clueline(database_url, "knowledge", "ingest", str(docs), "--json")
    assert "Traceback" not in result.stderr, result.stderr
    report = json.loads(result.stdout)
    assert report["added"] == ["a.md", "n.md", "z.md"]
    [failed] = report["failed"]
    assert Path(failed["path"]).name == "m.ics" and "not a valid iCalendar file" in failed["reason"]


def test_ingest_in_plain_text_prints_counts_and_names_skipped_files(
    database_url: str, tmp_path: Path
) -> None:
    (tmp_path / "note.txt").write_text("Invoices can be exported as CSV.\n")
    (tmp_path / "image.bmp").write_bytes(b"BM")
    result = clueline(
        database_url,
        "knowledge",
        "ingest",
        str(tmp_path / "note.txt"),
        str(tmp_path / "image.bmp"),
    )
    assert result.returncode == 0
    assert result.stdout.startswith("added 1, updated 0, unchanged 0, removed 0, failed 0, skipped 1")
    assert "added: note.txt" in result.stdout
    assert f"skipped: {tmp_path / 'image.bmp'} (unsupported file type .bmp)" in result.stdout


def _ingest_demo(database_url: str) -> None:
    result = clueline(database_url, "knowledge", "ingest", *map(str, demo_files()), "--json")
    assert result.returncode == 0 and json.loads(result.stdout)["failed"] == []


def test_ask_json_has_exactly_the_contract_fields_best_source_first(database_url: str) -> None:
    _ingest_demo(database_url)
    result = clueline(database_url, "ask", "how do I export invoices?", "--json")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert set(answer) == CONTRACT_KEYS
    assert answer["answered"] is True and "Export" in answer["answer"]
    sources = answer["sources"]
    assert 1 <= len(sources) <= 5
    assert all(set(s) == SOURCE_KEYS and isinstance(s["score"], float) for s in sources)
    assert [s["score"] for s in sources] == sorted((s["score"] for s in sources), reverse=True)
    assert sources[0]["title"].startswith("Exporting invoices")
    assert sources[0]["source"] == "https://help.northpine.example/invoices/export"


def test_ask_json_from_stdin_answers_one_line_each_in_order(database_url: str) -> None:
    _ingest_demo(database_url)
    lines = "when does the spring campaign launch?\nwhat is a flux capacitor?\n\nhow do I connect my bank?\n"
    result = clueline(database_url, "ask", "--json", "-", stdin=lines)
    assert result.returncode == 0, result.stderr
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [a["answered"] for a in answers] == [True, False, False, True]
    assert all(set(a) == CONTRACT_KEYS for a in answers)
    assert "2027-03-02" in answers[0]["answer"] and answers[0]["sources"][0]["source"] == "campaigns.csv"
    assert answers[1]["sources"] == [] and "don't know" in answers[1]["answer"]
    assert "Ask me a product question" in answers[2]["answer"]
    assert answers[3]["sources"][0]["source"] == "bank-sync.md"


def test_ask_in_plain_text_prints_the_answer_or_the_decline(database_url: str) -> None:
    _ingest_demo(database_url)
    answered = clueline(database_url, "ask", "what does the Growth plan cost?")
    assert answered.returncode == 0 and "EUR 25" in answered.stdout and "Sources:" in answered.stdout
    declined = clueline(database_url, "ask", "\x7f" + "ΩΩ " * 4000)
    assert declined.returncode == 0 and "don't know" in declined.stdout


def test_a_command_on_a_migrated_database_prints_no_log_lines_before_its_answer(database_url: str) -> None:
    # Alembic announces itself on every start; only migrations it actually runs are worth a line.
    _ingest_demo(database_url)
    answered = clueline(database_url, "ask", "what does the Growth plan cost?")
    assert answered.returncode == 0 and answered.stderr == ""


def test_ask_on_an_empty_store_says_to_ingest_first_and_keeps_the_contracts_json(database_url: str) -> None:
    asked = clueline(database_url, "ask", "--json", "what does the Growth plan cost?")
    assert asked.returncode == 0 and "knowledge store is empty" in asked.stderr
    assert "clueline knowledge ingest PATH" in asked.stderr
    answer = json.loads(asked.stdout)
    assert set(answer) == CONTRACT_KEYS and answer["answered"] is False and answer["sources"] == []


def _record_gaps(database_url: str) -> None:
    async def record() -> None:
        database = Database(database_url)
        log = QuestionLog(database, SystemClock())
        asker = UserRef(platform="slack", user_id="U1")
        where = ConversationRef(platform="slack", channel="D1", is_direct=True)
        for text in ("can we invoice in bitcoin?", "bitcoin refunds?", "what colour is the logo?"):
            await log.record(Asked(asker, where, text, "", False, []))
        await database.dispose()

    asyncio.run(record())


def test_gaps_json_groups_questions_by_theme_with_counts(database_url: str) -> None:
    empty = clueline(database_url, "knowledge", "gaps", "--json")
    assert empty.returncode == 0 and json.loads(empty.stdout) == {"days": 7, "total": 0, "themes": []}
    _record_gaps(database_url)
    report = json.loads(clueline(database_url, "knowledge", "gaps", "--json").stdout)
    assert report["total"] == 3
    assert [(t["theme"], t["count"], t["unanswered"]) for t in report["themes"]] == [
        ("bitcoin", 2, 2),
        ("other", 1, 1),
    ]
    text = clueline(database_url, "knowledge", "gaps")
    assert "bitcoin: 2 (2 unanswered, 0 not helpful)" in text.stdout


def test_experts_target_is_set_from_the_command_line_and_checked(database_url: str) -> None:
    bad = clueline(database_url, "knowledge", "experts", "#experts")
    assert bad.returncode == 2 and "is not a target" in bad.stderr
    good = clueline(database_url, "knowledge", "experts", "slack:T1/CEXPERTS")
    assert good.returncode == 0 and "slack:T1/CEXPERTS" in good.stdout
    # The bot has never been in that channel: posts there may fail, and the operator is told now.
    assert "the bot has not been in slack:T1/CEXPERTS yet; if posts there fail" in good.stderr

    async def place() -> str | None:
        from bot.core.roles import Places

        database = Database(database_url)
        try:
            return await Places(database, SystemClock()).get("experts")
        finally:
            await database.dispose()

    assert asyncio.run(place()) == "slack:T1/CEXPERTS"
