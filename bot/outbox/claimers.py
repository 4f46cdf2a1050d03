"""Outbox workers' names, and whether a name belongs to a process on this machine that has died.

A worker that dies mid-send (a crash, a deploy, SIGKILL) leaves its claimed rows leased. Another worker
would wait out the lease; one on the same machine can see at once that the process is gone and resume its
rows, so a restarted worker picks up where its predecessor stopped.
"""

from __future__ import annotations

import os
import socket

# How often a worker looks for processes of its machine that died holding leases (outbox rows, inbound events):
# a query per claim or lease would tax every one of them for an event as rare as a crash, and reads every row
# under way (the whole backlog, during a flood of inbound events); a crashed process's rows wait this much longer.
TAKEOVER_CHECK_SECONDS = 5.0


def _pid_namespace() -> str:
    # Two containers can share a host name (host networking) yet number their processes apart: a pid
    # is only comparable within one pid namespace. Without /proc (not Linux) nobody is judged dead.
    try:
        return str(os.stat("/proc/self/ns/pid").st_ino)
    except OSError:
        return ""


def worker_name() -> str:
    """A name that tells workers apart in the outbox's claimed_by column: host:pid@pid-namespace."""
    namespace = _pid_namespace()
    name = f"{socket.gethostname()}:{os.getpid()}"
    return f"{name}@{namespace}" if namespace else name


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, under another user
        return True
    return True


def died_on_this_machine(name: str) -> bool:
    """True only when `name` is a worker of this host and pid namespace whose process no longer exists.

    Anything else (another machine, a name of another form, a live or reused pid) is False: those rows
    wait for their lease, the safe side.
    """
    namespace = _pid_namespace()
    where, at, their_namespace = name.rpartition("@")
    if not namespace or not at or their_namespace != namespace:
        return False
    host, colon, pid = where.rpartition(":")
    if not colon or host != socket.gethostname() or not pid.isdigit():
        return False
    return int(pid) != os.getpid() and not _process_exists(int(pid))
