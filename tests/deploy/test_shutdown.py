"""SIGTERM under load: the worker stops within 10 s and hands the rows it holds to the other workers at once,
instead of leaving them leased to a dead process for the whole lease (60 s)."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlmodel import col

from bot.db.models import OutboxMessage
from bot.runtime import build_runtime
from bot.settings import Settings
from tests.core.test_outbox_processes import queue_messages
from tests.deploy.processes import plain_env, resolve
from tests.support.databases import TEST_SECRET_KEY
from tests.support.fake_slack import FakeSlack

MESSAGES = 20


async def rows(url: str) -> list[OutboxMessage]:
    runtime = build_runtime(Settings(database_url=url))
    try:
        async with runtime.database.session() as session:
            return list(
                (await session.execute(select(OutboxMessage).order_by(col(OutboxMessage.id)))).scalars()
            )
    finally:
        await runtime.database.dispose()


def worker(url: str, fake: FakeSlack, tmp_path: Path) -> subprocess.Popen[bytes]:
    env = plain_env(
        tmp_path,
        DATABASE_URL=url,
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET="signing-secret",
        SLACK_API_URL=fake.url,
        CLUELINE_SECRET_KEY=TEST_SECRET_KEY,
    )
    log = (tmp_path / f"worker-{time.monotonic_ns()}.log").open("wb")
    return subprocess.Popen(resolve(["clueline", "worker"]), env=env, cwd=tmp_path, stdout=log, stderr=log)


async def eventually(check: object, what: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not await check():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.1)


async def test_sigterm_under_load_exits_within_10_s_and_another_worker_takes_the_rows_at_once(
    postgres_url: str, tmp_path: Path
) -> None:
    await queue_messages(postgres_url, MESSAGES)
    async with FakeSlack() as fake:
        fake.stall("chat.postMessage", 120)  # Slack hangs: every send is in flight when SIGTERM comes
        first = worker(postgres_url, fake, tmp_path)
        try:

            async def all_claimed() -> bool:
                return all(row.status == "sending" for row in await rows(postgres_url))

            await eventually(all_claimed, "the first worker to claim every row", 60)
            await eventually(lambda: _async(len(fake.calls_to("chat.postMessage")) >= MESSAGES), "sends", 30)
            first.send_signal(signal.SIGTERM)
            stopped = time.monotonic()
            while first.poll() is None and time.monotonic() - stopped < 15:
                await asyncio.sleep(0.1)
            assert first.poll() == 0, "the worker did not stop cleanly within 15 s"
            assert time.monotonic() - stopped <= 10
        finally:
            if first.poll() is None:
                first.kill()
        # Nothing is left leased to the stopped worker: any worker may take every row now.
        now = datetime.now(UTC)
        assert all(row.lease_until is None or row.lease_until <= now for row in await rows(postgres_url))

        fake.stall("chat.postMessage", 0)
        second = worker(postgres_url, fake, tmp_path)
        try:

            async def all_sent() -> bool:
                return all(row.status == "sent" for row in await rows(postgres_url))

            # Well inside the 60 s lease: taken over because released, not because the lease ran out.
            await eventually(all_sent, "the second worker to send every row", 30)
        finally:
            second.terminate()
            second.wait(timeout=15)


async def _async(value: bool) -> bool:
    return value
