"""The command line as a newcomer meets it: one clear line and the right exit code for every bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli_exit import clueline

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MICROSOFT_", "OPENAI_"))}
    return {
        **clean,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "CLUELINE_LOG_LEVEL": "WARNING",
    }


def test_ingest_of_a_missing_path_exits_1_with_one_line(env: dict[str, str]) -> None:
    result = clueline(env, "knowledge", "ingest", "/nonexistent/docs")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == ["clueline: no such file or folder: /nonexistent/docs"]
    assert result.stdout == ""


def test_a_demo_database_in_a_missing_folder_exits_1_with_one_line(env: dict[str, str]) -> None:
    result = clueline(env, "demo", "--database", "/nonexistent/dir/demo.db")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == ["clueline: no such folder for --database: /nonexistent/dir"]


def test_unsupported_files_are_skipped_with_their_type_and_a_broken_pdf_is_one_line(
    env: dict[str, str], tmp_path: Path
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "guide.md").write_text("# Exports\n\nExports run every night at two.\n")
    (docs / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (docs / "broken.pdf").write_bytes(b"%PDF-1.4 not really")
    result = clueline(env, "knowledge", "ingest", str(docs), "--json", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["skipped"] == [{"path": str(docs / "logo.png"), "reason": "unsupported file type .png"}]
    assert [entry["path"] for entry in report["failed"]] == [str(docs / "broken.pdf")]
    assert result.stderr == "clueline: 1 file failed (listed in the report)\n", "no library warnings"
    (docs / "broken.pdf").write_bytes(b"%PDF-1.4 still not")  # changed, so read again
    text = clueline(env, "knowledge", "ingest", str(docs), cwd=tmp_path)
    assert f"  skipped: {docs / 'logo.png'} (unsupported file type .png)" in text.stdout
    assert text.stderr.strip().splitlines() == [
        f"clueline: failed {docs / 'broken.pdf'}: {report['failed'][0]['reason']}"
    ], "one line per failed file and no library warnings"


@pytest.mark.parametrize(
    "command", [("ask", "How do exports work?"), ("feedback", "highlights"), ("pulse", "list")]
)
def test_a_closed_pipe_ends_the_command_quietly(env: dict[str, str], command: tuple[str, ...]) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env=env,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # as `| head -0` would: nobody reads what the command prints
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=120) == 0
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr, stderr


def test_a_pulse_that_never_ran_says_so_in_text_json_and_csv(env: dict[str, str]) -> None:
    created = clueline(
        env, "pulse", "create", "--question", "enps", "--audience", "slack:C1", "--at", "2099-01-01T09:00Z"
    )
    assert created.returncode == 0, created.stderr
    pulse = created.stdout.strip()
    text = clueline(env, "pulse", "results", pulse)
    assert text.stdout.splitlines() == [
        f"pulse {pulse} has not run yet (scheduled); results come after its first run closes"
    ]
    as_json = json.loads(clueline(env, "pulse", "results", pulse, "--json").stdout)
    assert as_json["status"] == "not run yet" and as_json["responses"] == 0
    header, row = clueline(env, "pulse", "results", pulse, "--csv").stdout.splitlines()
    assert header.startswith("question,run,status,pulse,audience,responses,hidden,enps")
    assert row.startswith("Would you refer a friend to work here?,,not run yet,")


def test_a_pulse_at_a_past_time_is_refused_with_the_time_now(env: dict[str, str]) -> None:
    result = clueline(
        env, "pulse", "create", "--question", "enps", "--audience", "slack:C1", "--at", "2020-01-01T09:00Z"
    )
    assert result.returncode == 1 and result.stdout == ""
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("clueline: The time 2020-01-01 09:00 UTC is in the past: it is now 20")
    assert json.loads(clueline(env, "pulse", "list", "--json").stdout) == []
