"""What a process imports as it starts: each `serve` and event process pays for every package it loads."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

# Wires a process as `clueline serve` does, then says whether the OpenAI package was loaded.
_WIRE_AND_REPORT = """
import sys
from bot.app import assemble
from bot.settings import load_settings
assemble(load_settings(dict(arg.split("=", 1) for arg in sys.argv[1:])))
print("openai" in sys.modules)
"""


def _imports_openai(tmp_path: Path, **settings: str) -> bool:
    environment = {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'clueline.db'}", **settings}
    arguments = [f"{name}={value}" for name, value in environment.items()]
    done = subprocess.run(
        [sys.executable, "-c", _WIRE_AND_REPORT, *arguments],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout.strip() == "True"


def test_a_process_without_a_model_never_imports_the_openai_package(tmp_path: Path) -> None:
    assert not _imports_openai(tmp_path)


def test_a_process_with_a_model_or_embeddings_configured_imports_it(tmp_path: Path) -> None:
    assert _imports_openai(tmp_path, OPENAI_BASE_URL="http://127.0.0.1:9/v1")
    assert _imports_openai(tmp_path, CLUELINE_EMBEDDINGS_MODEL="all-MiniLM-L6-v2")
