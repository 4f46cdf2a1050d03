"""`clueline ARGS` run in the test's own process, as the console script runs it: its exit code and output.

A new interpreter per command costs 2 to 3 s of CPU (it loads the whole product); the command itself, what a
test is about, is the same `bot.cli.main` either way. Commands that must stop by themselves or that serve stay in
subprocesses (tests/support/cli_exit.py).
"""

from __future__ import annotations

import contextlib
import gc
import io
import logging
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

from bot.cli import main


def clueline_here(
    env: Mapping[str, str],
    *args: str,
    without: tuple[str, ...] = (),
    stdin: str = "",
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """`clueline ARGS` with `env` added to the environment and the variables starting with a `without` prefix
    left out, reading `stdin`, in `cwd` when given (its temporary files too, as TMPDIR would put them); what it
    printed, with its log lines, as a subprocess's."""
    # Earlier tests' garbage goes now, outside any event loop, as it would have gone with their processes: an
    # OpenAI client left unclosed, collected inside this command's loop, schedules its close there, fails for
    # its own loop long closed, and logs that as this command's error.
    gc.collect()
    out, err = io.StringIO(), io.StringIO()
    left_out: dict[str, str | None] = {
        name: None for name in os.environ if without and name.startswith(without)
    }
    with (
        _environment({**left_out, **env}),
        _own_log_handler(),
        _standard_input(stdin),
        _working_folder(cwd),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        try:
            code = main(list(args))
        except SystemExit as exit_:  # argparse's usage errors
            code = exit_.code if isinstance(exit_.code, int) else 1
    return subprocess.CompletedProcess(["clueline", *args], code, out.getvalue(), err.getvalue())


def demo_here(script: str, cwd: Path, *options: str) -> subprocess.CompletedProcess[str]:
    """`clueline demo` in `cwd`, typing `script`, without any platform's or the LLM's settings."""
    return clueline_here(
        {},
        "demo",
        *options,
        without=("SLACK_", "MICROSOFT_", "OPENAI_", "DATABASE_URL"),
        stdin=script,
        cwd=cwd,
    )


@contextlib.contextmanager
def _environment(env: Mapping[str, str | None]) -> Iterator[None]:
    """These variables set (None: unset) while inside."""
    before = {name: os.environ.get(name) for name in env}
    for name, value in env.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextlib.contextmanager
def _working_folder(folder: Path | None) -> Iterator[None]:
    """In `folder`, with temporary files there too (the demo's charts), when one is given."""
    if folder is None:
        yield
        return
    before = tempfile.tempdir
    tempfile.tempdir = str(folder)
    try:
        with contextlib.chdir(folder):
            yield
    finally:
        tempfile.tempdir = before


@contextlib.contextmanager
def _standard_input(text: str) -> Iterator[None]:
    before = sys.stdin
    sys.stdin = io.StringIO(text)
    try:
        yield
    finally:
        sys.stdin = before


@contextlib.contextmanager
def _own_log_handler() -> Iterator[None]:
    """The root logger without pytest's handlers, so the command installs its own on (captured) stderr."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    for handler in handlers:
        root.removeHandler(handler)
    try:
        yield
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)
