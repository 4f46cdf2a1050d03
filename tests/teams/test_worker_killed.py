"""A pulse and a feedback highlight reach Teams through `clueline worker` processes, one of them SIGKILLed
mid fan-out: every invitation and the highlight arrive, and none twice."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.support.cli_exit import clueline as run_clueline
from tests.support.fake_teams import FakeTeams, Member
from tests.teams.conftest import eventually, start_server, teams_env
from tests.teams.queueing import outbox_rows, stored
from tests.teams.shapes import CHANNEL, bot_added_to_team

PEOPLE = [Member(f"aad-staff-{n}", f"Staff {n}") for n in range(8)]
HIGHLIGHT_TEXT = "Export to Excel breaks on big reports"


def clueline(env: dict[str, str], cwd: Path, *args: str) -> str:
    """Run one `clueline` command to completion; its standard output."""
    result = run_clueline(env, *args, cwd=cwd)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def sent_rows(database_url: str) -> int:
    return sum(1 for row in outbox_rows(database_url) if row.status == "sent")


def worker(env: dict[str, str], cwd: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "worker"], env=env, cwd=cwd, stdout=output, stderr=output
        )


def test_a_pulse_and_a_highlight_arrive_once_each_across_a_killed_worker(
    tmp_path: Path, postgres_url: str, fake: FakeTeams, teams_backend: str
) -> None:
    if sys.platform == "win32":
        pytest.skip("SIGKILL is POSIX")
    fake.rosters[CHANNEL] = PEOPLE
    server = start_server(tmp_path, postgres_url, fake, tokens=True)
    try:
        server.post(bot_added_to_team(fake.url))
        eventually(lambda: stored(postgres_url, CHANNEL), "the team channel's reference")
    finally:
        server.stop()
    # A dead worker's claims expire after the lease; keep the test short.
    env = {**teams_env(postgres_url, fake, with_app_id=True), "CLUELINE_OUTBOX_LEASE_SECONDS": "3"}
    clueline(env, tmp_path, "feedback", "route", "add", f"teams:{CHANNEL}", "--max-score", "6")
    items = tmp_path / "feedback.jsonl"
    item = {"id": "resp-1041", "source": "nps-survey", "scale": "nps", "score": 2, "text": HIGHLIGHT_TEXT}
    items.write_text(json.dumps(item) + "\n")
    clueline(env, tmp_path, "feedback", "import", str(items))
    clueline(env, tmp_path, "pulse", "create", "--question", "enps", "--audience", f"teams:{CHANNEL}")

    welcome = len(fake.posts())
    fake.hold_posts_after = welcome + 4  # four sends land, the fifth is in flight when the worker dies
    log = tmp_path / "workers.log"
    first = worker(env, tmp_path, log)
    try:
        eventually(lambda: fake.held_posts > 0, "a send in flight", seconds=90)
        # What Teams accepted is recorded as it is accepted: only the sends in flight are unrecorded now.
        eventually(lambda: sent_rows(postgres_url) == 4, "the accepted sends recorded", seconds=30)
        first.send_signal(signal.SIGKILL)
        first.wait(30)
        time.sleep(
            0.5
        )  # the fake's loop sees the dead worker's connections close before anything is released
    finally:
        if first.poll() is None:
            first.kill()
    fake.release_posts.set()
    second = worker(env, tmp_path, log)
    try:
        eventually(
            lambda: (
                all(row.status == "sent" for row in outbox_rows(postgres_url))
                and len(outbox_rows(postgres_url)) == len(PEOPLE) + 1
            ),
            "every invitation and the highlight sent",
            seconds=120,
        )
    finally:
        second.terminate()
        second.wait(30)

    invitations = Counter(
        call.conversation_id for call in fake.posts() if call.conversation_id.startswith("a:1dm-")
    )
    assert invitations == {f"a:1dm-{person.aad_object_id}": 1 for person in PEOPLE}
    highlights = [call for call in fake.posts(CHANNEL) if HIGHLIGHT_TEXT in call.text]
    assert len(highlights) == 1
    assert fake.held_posts >= 1  # the kill did land mid fan-out
