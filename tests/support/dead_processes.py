"""Names of processes on this machine, as answering processes and outbox workers name themselves in the rows
they lease: one that died, one alive."""

from __future__ import annotations

import os
import subprocess
import sys

from bot.outbox.claimers import worker_name


def name_of(pid: int) -> str:
    """The name a worker with that pid on this machine would have."""
    return worker_name().replace(f":{os.getpid()}@", f":{pid}@")


def dead_pid() -> int:
    """The pid of a process of this machine that has exited."""
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True)
    return int(finished.stdout)
