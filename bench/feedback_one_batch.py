"""How long other requests wait while `POST /feedback` takes one large batch (a survey tool's whole export).

Run by hand: `python bench/feedback_one_batch.py [--items 15000]` (15,000 items is about 5 MB, the webhook's
limit). A `clueline serve --no-scheduler` on a fresh SQLite database takes the batch while `/livez` is asked
every 50 ms; printed: the batch's seconds, and `/livez`'s worst and median wait during it. The anchor, in the
same run on the same server: `/livez`'s worst and median wait with nothing else in flight. Slack wants its
acks within 3 s, so the worst wait is what matters.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from feedback import ROOT, SECRET, free_port, make_items, prepare, serve_environment, wait_healthy

POLL_SECONDS = 0.05


async def poll_livez(session: aiohttp.ClientSession, url: str, stop: asyncio.Event) -> list[float]:
    """Seconds each `/livez` took, asked every POLL_SECONDS until `stop` is set."""
    waits: list[float] = []
    while not stop.is_set():
        start = time.perf_counter()
        async with session.get(url + "/livez") as response:
            await response.read()
        waits.append(time.perf_counter() - start)
        await asyncio.sleep(POLL_SECONDS)
    return waits


async def idle_waits(session: aiohttp.ClientSession, url: str, seconds: float = 2.0) -> list[float]:
    stop = asyncio.Event()
    poller = asyncio.create_task(poll_livez(session, url, stop))
    await asyncio.sleep(seconds)
    stop.set()
    return await poller


async def one_batch(session: aiohttp.ClientSession, url: str, body: bytes) -> tuple[float, list[float]]:
    """The batch's seconds and `/livez`'s waits meanwhile."""
    stop = asyncio.Event()
    poller = asyncio.create_task(poll_livez(session, url, stop))
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    headers = {"Content-Type": "application/json", "X-Clueline-Signature": signature}
    start = time.perf_counter()
    async with session.post(url + "/feedback", data=body, headers=headers) as response:
        answer = await response.json()
        if response.status != 202:
            raise RuntimeError(f"{response.status}: {answer}")
    seconds = time.perf_counter() - start
    stop.set()
    return seconds, await poller


async def main(count: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        database_url = f"sqlite:///{Path(folder) / 'bench.db'}"
        await prepare(database_url)
        port = free_port()
        env = serve_environment(database_url, port)
        command = [sys.executable, "-m", "bot.cli", "serve", "--no-scheduler"]
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}"
        body = json.dumps(make_items(count)).encode()
        try:
            await wait_healthy(url, process)
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=600)) as session:
                idle = await idle_waits(session, url)
                seconds, busy = await one_batch(session, url, body)
        finally:
            process.terminate()
            process.wait(timeout=30)
    print(f"one batch of {count} items ({len(body) / 1e6:.1f} MB): {seconds:.1f} s")
    print(f"{'/livez wait':<34}{'worst':>10}{'median':>10}")
    print(f"{'anchor: nothing else in flight':<34}{max(idle):>10.3f}{statistics.median(idle):>10.3f}")
    print(f"{'while the batch is taken':<34}{max(busy):>10.3f}{statistics.median(busy):>10.3f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=15_000)
    asyncio.run(main(parser.parse_args().items))
