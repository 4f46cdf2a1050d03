"""Helpers of tests that start `clueline serve`: a free port, and waiting until it answers /healthz."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable

import aiohttp


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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
