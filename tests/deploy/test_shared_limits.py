"""Three `clueline worker` processes draining one outbox keep Slack's and Teams' limits together, as one would:
on SQLite, on PostgreSQL, and with REDIS_URL. The fakes refuse (429) any call beyond the limit and record when
each call arrived."""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func, select
from sqlmodel import col

from bot.core.types import ConversationRef, OutboundMessage
from bot.db.database import Database
from bot.db.models import OutboxMessage
from bot.runtime import build_runtime
from bot.settings import Settings
from tests.deploy.processes import plain_env, resolve
from tests.support.databases import TEST_SECRET_KEY
from tests.support.fake_slack import Call, FakeSlack
from tests.support.fake_teams import APP_ID, APP_PASSWORD, TENANT, FakeTeams
from tests.support.processes import free_port
from tests.support.redis_server import TEST_REDIS_URL, forget_rate_budgets, redis_reachable

WORKERS = 3
# Each claimed batch (50 rows) holds rows of every channel, so the workers all send to every channel at once.
CHANNELS = 50
PER_CHANNEL = 6
SLACK_POSTS_PER_CHANNEL_SECOND = 3  # Slack's "about one a second per channel", with its short burst
# Few conversations, each with more messages than one worker's batch holds of it: every worker sends to each of
# them at once, for several of Teams' windows in a row.
TEAMS_CONVERSATIONS = 3
PER_CONVERSATION = 40
EARLY_ARRIVALS_ON_A_BUSY_HOST = 3


@pytest.fixture(params=["database", "redis"])
async def store_env(request: pytest.FixtureRequest, database_url: str) -> dict[str, str]:
    """Where the workers share their budgets: the database under test, or Redis (with SQLite)."""
    if request.param == "database":
        return {}
    if "postgresql" in database_url:
        pytest.skip("Redis is tried beside SQLite")
    reason = await redis_reachable()
    if reason is not None:
        pytest.skip(f"Redis is not reachable: {reason}")
    await forget_rate_budgets()
    return {"REDIS_URL": TEST_REDIS_URL}


async def queue(url: str, conversations: list[ConversationRef], per_conversation: int) -> None:
    """Round-robin over the conversations, so that every claimed batch holds rows of each."""
    runtime = build_runtime(Settings(secret_key=TEST_SECRET_KEY, database_url=url))
    try:
        async with runtime.database.session() as session:
            for n in range(per_conversation):
                for index, conversation in enumerate(conversations):
                    await runtime.outbox.enqueue(
                        session,
                        OutboundMessage.plain(f"message {n} to {index}"),
                        conversation=conversation,
                        idempotency_key=f"limits-{index}-{n}",
                    )
    finally:
        await runtime.database.dispose()


async def ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    async with aiohttp.ClientSession() as session:
        while True:
            assert process.poll() is None, log.read_text()[-2000:]
            assert time.monotonic() < deadline, f"{url} never answered: {log.read_text()[-2000:]}"
            try:
                async with session.get(url) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)


async def statuses(database: Database) -> dict[str, int]:
    async with database.session() as session:
        rows = await session.execute(
            select(col(OutboxMessage.status), func.count()).group_by(col(OutboxMessage.status))
        )
        return {status: count for status, count in rows.all()}


async def all_sent(url: str, count: int, workers: list[subprocess.Popen[bytes]], logs: list[Path]) -> None:
    # A plain query on one engine: building a whole runtime here would hold this event loop (and the fake
    # it serves) for a moment, and the fake would stamp the requests that waited meanwhile as one bunch.
    database = Database(url)
    try:
        deadline = time.monotonic() + 180
        while await statuses(database) != {"sent": count}:
            for worker, log in zip(workers, logs, strict=True):
                assert worker.poll() is None, log.read_text()[-2000:]
            assert time.monotonic() < deadline, f"not all sent: {await statuses(database)}"
            await asyncio.sleep(0.3)
    finally:
        await database.dispose()


@pytest.fixture
def stop_workers() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for worker in started:
        if worker.poll() is None:
            worker.terminate()
    for worker in started:
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()


async def drain_with_workers(
    env: dict[str, str], tmp_path: Path, started: list[subprocess.Popen[bytes]], fill: AsyncIterator[int]
) -> None:
    """Start the workers, wait until each serves /readyz, queue the rows, wait until all are sent."""
    logs = []
    for n in range(WORKERS):
        port = free_port()
        log = tmp_path / f"worker-{n}.log"
        logs.append(log)
        with log.open("wb") as output:
            started.append(
                subprocess.Popen(
                    resolve(["clueline", "worker"]),
                    env={**env, "CLUELINE_WORKER_PORT": str(port)},
                    cwd=tmp_path,
                    stdout=output,
                    stderr=output,
                )
            )
        await ready(f"http://127.0.0.1:{port}/readyz", started[-1], log)
    count = await anext(fill)
    await all_sent(env["DATABASE_URL"], count, started, logs)


def timeline(posts: list[Call]) -> str:
    """Each channel's calls as offsets from the first call, with their status (for a failure message)."""
    start = min(call.received_at for call in posts)
    channels: dict[str, list[str]] = {}
    for call in posts:
        channels.setdefault(str(call.body.get("channel")), []).append(
            f"{call.received_at - start:.3f}:{call.status}:{call.body.get('text')}"
        )
    return "\n".join(f"{channel} {' '.join(times)}" for channel, times in channels.items())


async def test_three_slack_workers_never_exceed_a_channels_limit_and_draw_no_429(
    database_url: str, store_env: dict[str, str], tmp_path: Path, stop_workers: list[subprocess.Popen[bytes]]
) -> None:
    async with FakeSlack() as fake:
        fake.enforce_rate("chat.postMessage", SLACK_POSTS_PER_CHANNEL_SECOND, per_channel=True)
        env = plain_env(
            tmp_path,
            DATABASE_URL=database_url,
            SLACK_BOT_TOKEN="xoxb-test",
            SLACK_SIGNING_SECRET="signing-secret",
            SLACK_API_URL=fake.url,
            CLUELINE_SECRET_KEY=TEST_SECRET_KEY,
            **store_env,
        )
        # A workspace per channel: only the channel's own limit applies, and every worker hits it at once.
        channels = [
            ConversationRef(platform="slack", workspace=f"T{n:03d}", channel=f"C{n:03d}")
            for n in range(CHANNELS)
        ]

        async def fill() -> AsyncIterator[int]:
            await queue(database_url, channels, PER_CHANNEL)
            yield CHANNELS * PER_CHANNEL

        await drain_with_workers(env, tmp_path, stop_workers, fill())
        posts = fake.calls_to("chat.postMessage")
        busiest = fake.most_in_one_second("chat.postMessage", per_channel=True)
        assert busiest <= SLACK_POSTS_PER_CHANNEL_SECOND, timeline(posts)
        assert [call for call in posts if call.status == 429] == []  # as one worker alone: none
        assert len(fake.calls_to("chat.postMessage", ok_only=True)) == CHANNELS * PER_CHANNEL


async def test_three_teams_workers_keep_every_conversation_window_and_draw_no_429(
    database_url: str, store_env: dict[str, str], tmp_path: Path, stop_workers: list[subprocess.Popen[bytes]]
) -> None:
    fake = FakeTeams().start()
    try:
        env = plain_env(
            tmp_path,
            DATABASE_URL=database_url,
            MICROSOFT_APP_ID=APP_ID,
            MICROSOFT_APP_PASSWORD=APP_PASSWORD,
            CLUELINE_TEAMS_ALLOWED_TENANTS=TENANT,
            CLUELINE_TEAMS_OPENID_METADATA_URL=fake.metadata_url,
            CLUELINE_TEAMS_TOKEN_ENDPOINT=fake.token_endpoint,
            CLUELINE_TEAMS_SERVICE_URL=fake.url,
            CLUELINE_SECRET_KEY=TEST_SECRET_KEY,
            **store_env,
        )
        # A tenant per conversation: only the conversation's windows apply (7 a second, 8 in two). Each claimed
        # batch of 50 holds about 17 rows of each conversation, so all three workers send to every conversation
        # at once for about ten seconds.
        conversations = [
            ConversationRef(
                platform="teams",
                workspace=f"tenant-{n:03d}",
                channel=f"19:limits-{n:03d}@thread.tacv2",
                service_url=fake.url,
                bot_id=f"28:{APP_ID}",
                extra={"type": "channel"},
            )
            for n in range(TEAMS_CONVERSATIONS)
        ]

        async def fill() -> AsyncIterator[int]:
            await queue(database_url, conversations, PER_CONVERSATION)
            yield TEAMS_CONVERSATIONS * PER_CONVERSATION

        await drain_with_workers(env, tmp_path, stop_workers, fill())
        # Every call beyond a window is refused (429) and counted. The margin covers the usual unevenness of
        # arrivals, but a host too busy to run a worker on time (CI at three times its usual length) has let one or
        # two calls in 300 arrive early; Teams refuses those, the workers wait out its Retry-After and send
        # them again (every message still arrives once, below). Budgets that were not shared overrun the
        # windows: with each worker keeping its own (bot/rate_budget/factory.py returning a MemoryBudgetStore), 17
        # to 28 calls of the 120 were refused.
        assert fake.limit_violations <= EARLY_ARRIVALS_ON_A_BUSY_HOST
        assert fake.throttled == 0
        assert len(fake.posts()) == TEAMS_CONVERSATIONS * PER_CONVERSATION
    finally:
        fake.stop()
