"""Run deployment commands as an operator's platform would: plain processes on a SQLite file, bounded in time."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def plain_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    """The environment of a process with no platform configured, on `tmp_path/clueline.db`, bound to 127.0.0.1."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("MICROSOFT_", "CLUELINE_", "SLACK_"))}
    return {
        **base,
        "PATH": f"{BIN}{os.pathsep}{base.get('PATH', '')}",
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'clueline.db'}",
        "HOST": "127.0.0.1",
        "CLUELINE_OUTBOX_POLL_SECONDS": "0.1",
        **settings,
    }


def resolve(argv: Sequence[str]) -> list[str]:
    """The command as the image runs it: `clueline` and `python` found on PATH (this environment's)."""
    program = shutil.which(argv[0], path=str(BIN)) or shutil.which(argv[0])
    assert program is not None, f"{argv[0]} is not installed"
    return [program, *argv[1:]]


def run(
    argv: Sequence[str], env: dict[str, str], cwd: Path, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """A command that must finish by itself."""
    return subprocess.run(resolve(argv), env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)


def answers(url: str) -> int | None:
    """The status of GET url, or None while nothing listens."""
    try:
        return requests.get(url, timeout=2).status_code
    except requests.ConnectionError:
        return None


@contextmanager
def running(
    argv: Sequence[str], env: dict[str, str], cwd: Path, ready_url: str
) -> Iterator[subprocess.Popen[bytes]]:
    """A long-running command, once `ready_url` answers 200; stopped with SIGTERM (then killed) afterwards."""
    log = cwd / f"{Path(argv[0]).name}-{argv[1] if len(argv) > 1 else ''}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(resolve(argv), env=env, cwd=cwd, stdout=output, stderr=output)
    try:
        deadline = time.monotonic() + 60
        while answers(ready_url) != 200:
            assert process.poll() is None, f"{argv} exited: {log.read_text()[-2000:]}"
            assert time.monotonic() < deadline, f"{ready_url} never answered: {log.read_text()[-2000:]}"
            time.sleep(0.2)
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
