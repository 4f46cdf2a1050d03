"""Run a `clueline` command that must stop by itself (a refused configuration, a one-shot command), with a bounded wait."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def clueline(
    env: dict[str, str], *args: str, cwd: Path = ROOT, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    """`clueline ARGS` in `env` exactly, its output captured; one that runs past two minutes fails the test."""
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env=env,
    )


def clueline_exit(command: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """`clueline COMMAND` with only these platform settings on a fresh SQLite path (`half.db`, not created yet).

    A command that does not stop within a minute fails the test (subprocess.TimeoutExpired).
    """
    base = {k: v for k, v in os.environ.items() if not k.startswith(("MICROSOFT_", "CLUELINE_", "SLACK_"))}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", command],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env={
            **base,
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'half.db'}",
            "HOST": "127.0.0.1",
            "PORT": str(_free_port()),
            **env,
        },
    )


def refusal_line(result: subprocess.CompletedProcess[str]) -> str:
    """The one line a refused command printed on standard error, after checking it exited 1."""
    assert result.returncode == 1, result.stderr[-2000:]
    [line] = result.stderr.strip().splitlines()
    return line
