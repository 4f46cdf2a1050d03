"""Messages per second through the outbox to a no-op adapter: SQLite (1 worker), PostgreSQL (1 and 3 workers).

Run by hand: `python bench/outbox.py [--messages 3000]`. The anchor, measured in the same run on the same
database, is the floor any durable queue pays: inserting the rows and marking each one sent with plain SQL
statements (no claiming, no adapter, no bookkeeping).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
from aiohttp import web
from sqlalchemy import text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.core.adapter import EventSink  # noqa: E402
from bot.core.types import (  # noqa: E402
    ActionEvent,
    Capabilities,
    ConversationRef,
    Form,
    InboundMessage,
    OutboundMessage,
    SentMessage,
    UserRef,
)
from bot.db import migrate  # noqa: E402
from bot.runtime import build_runtime  # noqa: E402
from bot.settings import Settings  # noqa: E402

# Seals pulse answers in the benchmark's databases (a deployment sets CLUELINE_SECRET_KEY).
BENCH_SECRET_KEY = "bench-secret-key-0123456789"

POSTGRES = os.environ.get("CLUELINE_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


class NoOpAdapter:
    """Accepts every message at once."""

    platform = "slack"
    capabilities = Capabilities()

    def __init__(self) -> None:
        self._ids = itertools.count()

    def routes(self, sink: EventSink) -> list[web.RouteDef]:
        return []

    async def start(self) -> None: ...
    async def stop(self) -> None: ...

    async def send(self, conversation: ConversationRef, message: OutboundMessage) -> SentMessage:
        return SentMessage(conversation=conversation, message_id=str(next(self._ids)))

    async def update(self, sent: SentMessage, message: OutboundMessage) -> None: ...
    async def delete(self, sent: SentMessage) -> None: ...

    async def open_dm(self, user: UserRef) -> ConversationRef:
        return ConversationRef(platform="slack", channel=user.user_id, is_direct=True)

    async def list_members(self, conversation: ConversationRef) -> list[UserRef]:
        return []

    async def open_form(self, event: InboundMessage | ActionEvent, form: Form) -> None: ...
    async def publish_home(self, user: UserRef, message: OutboundMessage) -> None: ...


async def fill(url: str, count: int) -> None:
    runtime = build_runtime(Settings(secret_key=BENCH_SECRET_KEY, database_url=url))
    await migrate.upgrade(runtime.database)
    async with runtime.database.session() as session:
        for n in range(count):
            await runtime.outbox.enqueue(
                session,
                OutboundMessage.plain(f"highlight {n}"),
                conversation=ConversationRef(platform="slack", channel=f"C{n % 20}"),
            )
    await runtime.database.dispose()


async def drain(url: str) -> None:
    """Worker mode: send until nothing is due."""
    runtime = build_runtime(Settings(secret_key=BENCH_SECRET_KEY, database_url=url))
    runtime.adapters["slack"] = NoOpAdapter()
    worker = runtime.worker(batch_size=100)
    started = time.time()
    while await worker.run_once():
        pass
    print(f"WORKER {started} {time.time()}", flush=True)
    await runtime.database.dispose()


async def anchor(url: str, count: int) -> float:
    """Seconds for plain SQL to insert `count` rows and mark each one sent, one statement a row."""
    runtime = build_runtime(Settings(secret_key=BENCH_SECRET_KEY, database_url=url))
    await migrate.upgrade(runtime.database)
    engine = runtime.database.engine
    async with engine.begin() as conn:
        await conn.execute(
            text("CREATE TABLE IF NOT EXISTS bench_anchor (id INTEGER PRIMARY KEY, body TEXT, sent INTEGER)")
        )
        await conn.execute(text("DELETE FROM bench_anchor"))
    started = time.perf_counter()
    async with engine.begin() as conn:
        await conn.execute(
            text("INSERT INTO bench_anchor (id, body, sent) VALUES (:id, :body, 0)"),
            [{"id": n, "body": f"highlight {n}"} for n in range(count)],
        )
    for start in range(0, count, 100):
        async with engine.begin() as conn:
            for n in range(start, min(start + 100, count)):
                await conn.execute(text("UPDATE bench_anchor SET sent = 1 WHERE id = :id"), {"id": n})
    elapsed = time.perf_counter() - started
    async with engine.begin() as conn:
        await conn.execute(text("DROP TABLE bench_anchor"))
    await runtime.database.dispose()
    return elapsed


def run_workers(url: str, workers: int) -> float:
    """Seconds from the first worker's first claim to the last worker's end (interpreter start-up excluded)."""
    procs = [
        subprocess.Popen(
            [sys.executable, __file__, "--drain", url], cwd=ROOT, stdout=subprocess.PIPE, text=True
        )
        for _ in range(workers)
    ]
    spans = []
    for proc in procs:
        out, _ = proc.communicate()
        line = next(line for line in out.splitlines() if line.startswith("WORKER "))
        spans.append(tuple(float(x) for x in line.split()[1:]))
    return max(end for _, end in spans) - min(start for start, _ in spans)


async def fresh_postgres() -> str | None:
    name = f"clueline_bench_{uuid.uuid4().hex[:8]}"
    try:
        conn = await asyncpg.connect(POSTGRES)
    except Exception as exc:
        print(f"PostgreSQL skipped: {exc}")
        return None
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    return POSTGRES.rpartition("/")[0] + "/" + name


async def drop_postgres(url: str) -> None:
    conn = await asyncpg.connect(POSTGRES)
    await conn.execute(f'DROP DATABASE IF EXISTS "{url.rpartition("/")[2]}" WITH (FORCE)')
    await conn.close()


def measure(label: str, url: str, count: int, workers: int) -> None:
    asyncio.run(fill(url, count))
    outbox_seconds = run_workers(url, workers)
    anchor_seconds = asyncio.run(anchor(url, count))
    rate, anchor_rate = count / outbox_seconds, count / anchor_seconds
    print(
        f"{label:<24} {workers} worker(s): {rate:8.0f} msg/s   anchor (plain SQL insert+update): "
        f"{anchor_rate:8.0f} rows/s   ratio {rate / anchor_rate:5.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--drain", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.drain:
        asyncio.run(drain(args.drain))
        return
    print(f"{args.messages} messages; worker time from first claim to last send (start-up excluded)")
    with tempfile.TemporaryDirectory() as scratch:
        measure("SQLite", f"sqlite:///{scratch}/bench.db", args.messages, 1)
    for workers in (1, 3):
        url = asyncio.run(fresh_postgres())
        if url is None:
            return
        try:
            measure("PostgreSQL", url, args.messages, workers)
        finally:
            asyncio.run(drop_postgres(url))


if __name__ == "__main__":
    main()
