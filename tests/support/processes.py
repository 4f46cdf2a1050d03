"""Helpers of tests that start `clueline serve`: a free port, and waiting until it answers /healthz."""

from __future__ import annotations

import asyncio
import itertools
import os
import socket
import time
from collections.abc import Callable

import aiohttp

# bind(0) hands out ports from the kernel's ephemeral range (32768-60999 here), the same range the fakes and
# every outgoing connection draw from: two test workers could be handed the same port between one closing its
# probe and its server binding it (a serve then answered another worker's test: 404 on the Slack route).
# So each worker takes ports from a range of its own below that one, in turn.
_FIRST_PORT = 20000
_PORTS_PER_WORKER = 1000
_next_port = itertools.count()


def free_port() -> int:
    """A TCP port nobody listens on right now, from this test worker's own range."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    base = _FIRST_PORT + (int(worker) if worker.isdigit() else 0) % 10 * _PORTS_PER_WORKER
    for _ in range(_PORTS_PER_WORKER):
        port = base + next(_next_port) % _PORTS_PER_WORKER
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue  # in use, or still closing
            return port
    raise RuntimeError(f"no free port in {base}-{base + _PORTS_PER_WORKER - 1}")


async def wait_healthy(
    session: aiohttp.ClientSession, url: str, exited: Callable[[], str | None], seconds: float = 120.0
) -> None:
    """Poll `url`/healthz until it answers 200; fail at once with `exited()`'s text when the process ended.

    The budget is generous: on a loaded machine (parallel workers, other builds) a start can take a minute.
    """
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        ended = exited()
        if ended is not None:
            raise AssertionError(ended)
        try:
            async with session.get(f"{url}/healthz") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.1)
    raise AssertionError(f"the server at {url} did not become healthy")
