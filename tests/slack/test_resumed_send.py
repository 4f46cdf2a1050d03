"""A `clueline worker` SIGKILLed after Slack accepted a post but before the row was marked sent: the worker
started after it finds that post in the conversation's history and posts nothing twice."""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import select
from sqlmodel import col

from bot.db.models import OutboxMessage
from bot.runtime import build_runtime
from bot.settings import Settings
from tests.slack.conftest import ROOT, process_env
from tests.slack.outbox_rows import queue, statuses
from tests.support.databases import TEST_SECRET_KEY
from tests.support.fake_slack import FakeSlack

CHANNELS = ["C0001", "C0002", "C0003", "C0004"]
ANSWERED = 2  # Slack answers the first two posts; the others land in their channel, their answers held


async def start_worker(database_url: str, fake: FakeSlack) -> asyncio.subprocess.Process:
    # A dead worker's rows come back after a short lease even without the same-machine takeover.
    env = process_env(
        database_url,
        fake,
        CLUELINE_SECRET_KEY=TEST_SECRET_KEY,
        CLUELINE_OUTBOX_POLL_SECONDS="0.1",
        CLUELINE_OUTBOX_LEASE_SECONDS="3",
    )
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "worker", cwd=ROOT, env=env, stdout=asyncio.subprocess.DEVNULL
    )


async def eventually(check: Callable[[], Awaitable[bool]], what: str, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not await check():
        assert time.monotonic() < deadline, f"never: {what}"
        await asyncio.sleep(0.1)


async def sent_ids(database_url: str) -> dict[str, str]:
    """Each sent row's channel and the ts recorded for it."""
    runtime = build_runtime(Settings(secret_key=TEST_SECRET_KEY, database_url=database_url))
    try:
        async with runtime.database.session() as session:
            rows = await session.execute(
                select(col(OutboxMessage.sent_conversation), col(OutboxMessage.sent_message_id)).where(
                    col(OutboxMessage.status) == "sent"
                )
            )
            return {str(conversation): str(ts) for conversation, ts in rows.all()}
    finally:
        await runtime.database.dispose()


async def test_a_post_accepted_before_the_worker_died_is_not_posted_again_by_the_next_worker(
    database_url: str, fake_slack: FakeSlack
) -> None:
    if sys.platform == "win32":
        pytest.skip("SIGKILL is POSIX")
    fake_slack.hold_answers_after("chat.postMessage", ANSWERED)
    await queue(database_url, [(channel, f"notice to {channel}", False) for channel in CHANNELS])

    first = await start_worker(database_url, fake_slack)
    try:

        async def accepted_unanswered() -> bool:
            # Every post is in Slack; only the answered ones are recorded as sent.
            posted = len(fake_slack.calls_to("chat.postMessage", ok_only=True))
            return posted == len(CHANNELS) and (await statuses(database_url)).get("sent") == ANSWERED

        await eventually(accepted_unanswered, "every post accepted and the answered ones recorded")
    finally:
        first.send_signal(signal.SIGKILL)
        await first.wait()
    fake_slack.release_held()

    second = await start_worker(database_url, fake_slack)
    try:

        async def all_sent() -> bool:
            return await statuses(database_url) == {"sent": len(CHANNELS)}

        await eventually(all_sent, "every row sent")
    finally:
        second.terminate()
        await second.wait()

    posts = Counter(
        str(call.body["channel"]) for call in fake_slack.calls_to("chat.postMessage", ok_only=True)
    )
    assert posts == dict.fromkeys(CHANNELS, 1)
    # The rows found in the history record the ts Slack gave the post that went out before the kill.
    posted_ts = {channel: messages[0]["ts"] for channel, messages in fake_slack.history.items()}
    recorded = {conversation: ts for conversation, ts in (await sent_ids(database_url)).items()}
    assert sorted(recorded.values()) == sorted(posted_ts.values())
    assert len(fake_slack.calls_to("conversations.history", ok_only=True)) == len(CHANNELS) - ANSWERED
