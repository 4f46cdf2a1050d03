"""Several worker processes on one PostgreSQL send each queued message exactly once, even across a SIGKILL."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select
from sqlmodel import col

from bot.core.types import ConversationRef, OutboundMessage
from bot.db.models import OutboxMessage
from bot.runtime import build_runtime
from bot.settings import Settings
from tests.support.databases import TEST_SECRET_KEY

ROOT = Path(__file__).resolve().parents[2]


async def queue_messages(url: str, count: int) -> None:
    runtime = build_runtime(Settings(secret_key=TEST_SECRET_KEY, database_url=url))
    try:
        async with runtime.database.session() as session:
            for n in range(count):
                await runtime.outbox.enqueue(
                    session,
                    OutboundMessage.plain(f"message {n}"),
                    conversation=ConversationRef(platform="slack", channel=f"C{n % 7}"),
                    idempotency_key=f"test-{n}",
                )
    finally:
        await runtime.database.dispose()


async def outbox_statuses(url: str) -> dict[str, int]:
    runtime = build_runtime(Settings(secret_key=TEST_SECRET_KEY, database_url=url))
    try:
        async with runtime.database.session() as session:
            rows = await session.execute(
                select(col(OutboxMessage.status), func.count()).group_by(OutboxMessage.status)
            )
            return {status: count for status, count in rows.all()}
    finally:
        await runtime.database.dispose()


def start_worker(url: str, log: Path, delay: float = 0.0) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.support.recording_worker", url, str(log), str(delay)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def sent_texts(log: Path) -> list[str]:
    return [json.loads(line)["text"] for line in log.read_text().splitlines()] if log.exists() else []


def test_three_workers_send_each_of_1000_messages_once(postgres_url: str, tmp_path: Path) -> None:
    asyncio.run(queue_messages(postgres_url, 1000))
    log = tmp_path / "sent.jsonl"
    # Each batch of 20 takes 0.2 s, so one worker alone would need 10 s: the others, still importing when the
    # first starts, get there in time to share the work even on a loaded machine.
    workers = [start_worker(postgres_url, log, delay=0.2) for _ in range(3)]
    for worker in workers:
        assert worker.wait(timeout=120) == 0
    counts = Counter(sent_texts(log))
    assert len(counts) == 1000
    assert max(counts.values()) == 1
    pids = {json.loads(line)["pid"] for line in log.read_text().splitlines()}
    assert len(pids) > 1, "the work should have been shared by several workers"
    assert asyncio.run(outbox_statuses(postgres_url)) == {"sent": 1000}


def test_worker_killed_midway_loses_nothing(postgres_url: str, tmp_path: Path) -> None:
    asyncio.run(queue_messages(postgres_url, 200))
    log = tmp_path / "sent.jsonl"
    # 0.1 s a batch of 20: the victim needs a second for all 200, long after the 40th shows in the log.
    victim = start_worker(postgres_url, log, delay=0.1)
    deadline = time.monotonic() + 60
    while len(sent_texts(log)) < 40 and time.monotonic() < deadline:
        time.sleep(0.05)
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    sent_before_kill = len(sent_texts(log))
    assert 0 < sent_before_kill < 200

    survivors = [start_worker(postgres_url, log) for _ in range(2)]
    for worker in survivors:
        assert worker.wait(timeout=120) == 0
    counts = Counter(sent_texts(log))
    assert len(counts) == 200, "every message is delivered"
    repeated = [text for text, n in counts.items() if n > 1]
    # Only sends in flight at the kill (at most one claimed batch) may repeat.
    assert len(repeated) <= 20
    assert asyncio.run(outbox_statuses(postgres_url)) == {"sent": 200}
