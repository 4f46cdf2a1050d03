"""Where a command runs: from a folder without the database it says it starts a new one there, rather than
answer from an empty one; `serve` on a port already taken says so in one line."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _clueline(cwd: Path, *argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    plain = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MICROSOFT_", "CLUELINE_"))}
    plain.pop("DATABASE_URL", None)
    plain["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *argv],
        cwd=cwd,
        env={**plain, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_command_in_a_folder_without_the_database_says_it_starts_one_there(tmp_path: Path) -> None:
    first = _clueline(tmp_path, "pulse", "list")
    assert f"no database at {tmp_path.resolve() / 'clueline.db'}; starting a new one there" in first.stderr
    second = _clueline(tmp_path, "pulse", "list")
    assert "no database at" not in second.stderr


def test_serve_on_a_port_already_taken_stops_with_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = _clueline(tmp_path, "serve", env={"PORT": str(port), "HOST": "127.0.0.1"})
    assert done.returncode == 1
    assert f"clueline: cannot listen on 127.0.0.1:{port}" in done.stderr
    assert "Traceback" not in done.stderr


def test_serve_without_a_chat_platform_says_what_it_serves(tmp_path: Path) -> None:
    # The port taken stops it right after its start-up notes; without the note, a platform's 404 was the sign.
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        bare = _clueline(tmp_path, "serve", env={"PORT": str(taken.getsockname()[1]), "HOST": "127.0.0.1"})
        slack = _clueline(
            tmp_path,
            "serve",
            env={
                "PORT": str(taken.getsockname()[1]),
                "HOST": "127.0.0.1",
                "SLACK_BOT_TOKEN": "xoxb-1",
                "SLACK_SIGNING_SECRET": "s",
            },
        )
    assert "no chat platform is configured" in bare.stderr and "only the feedback webhook" in bare.stderr
    assert "no chat platform is configured" not in slack.stderr
