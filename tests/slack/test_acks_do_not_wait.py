"""Acks do not wait for answers: `serve` stores each event and acknowledges it; another process answers it.

An event stored and acknowledged is answered exactly once, even when the processes that took it die first.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlmodel import select

from bot.db.database import Database
from bot.db.inbound_file import inbound_database
from bot.db.models import InboundEventKey
from tests.slack.conftest import ROOT, process_env, running_serve
from tests.slack.payloads import app_mention, direct_message, event_body
from tests.support.fake_slack import FakeSlack
from tests.support.waiting import until


def children_of(pid: int) -> list[int]:
    """The process ids `pid` started (Linux /proc)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found.extend(int(child) for child in (task / "children").read_text().split())
    return found


async def stored_rows(database_url: str) -> list[InboundEventKey]:
    database = Database(database_url)
    try:
        async with inbound_database(database).session() as session:
            return list((await session.execute(select(InboundEventKey))).scalars().all())
    finally:
        await database.dispose()


async def wait_until_answered(database_url: str) -> None:
    for _ in range(600):
        rows = await stored_rows(database_url)
        if rows and all(row.completed for row in rows):
            return
        await asyncio.sleep(0.1)
    raise TimeoutError("the stored event was never marked answered")


@asynccontextmanager
async def worker(database_url: str, fake: FakeSlack) -> AsyncIterator[asyncio.subprocess.Process]:
    """`clueline worker` against the fake Slack, stopped with SIGTERM afterwards."""
    env = process_env(database_url, fake)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "worker", cwd=ROOT, env=env
    )
    try:
        yield process
    finally:
        process.terminate()
        await process.wait()


async def test_a_mention_is_acknowledged_by_serve_and_answered_by_another_process(
    database_url: str, fake_slack: FakeSlack
) -> None:
    fake_slack.stall("chat.postMessage", 60)  # the answer is held on its way out
    async with running_serve(database_url, fake_slack) as serve:
        status, _ = await serve.post(event_body(app_mention("<@UBOT> help"), "EvACK1"))
        assert status == 200
        await fake_slack.wait_for("chat.postMessage", ok_only=False)
        [row] = await stored_rows(database_url)
        # Acknowledged and stored by serve; the answer under way in a process that is not serve.
        assert row.leased_by is not None and not row.completed
        answering_pid = int(row.leased_by.split("@")[0].rsplit(":", 1)[1])
        assert answering_pid != serve.process.pid
        assert answering_pid in children_of(serve.process.pid)
        fake_slack.stall("chat.postMessage", 0)
        await wait_until_answered(database_url)
    [reply] = fake_slack.calls_to("chat.postMessage")
    assert reply.body["thread_ts"] == "1700000001.000100"
    # Answered: only the key stays, to recognise a redelivery; the event's text is gone.
    [row] = await stored_rows(database_url)
    assert row.payload is None


def exited(pid: int) -> bool:
    """Gone, or a zombie nobody has collected yet (Linux /proc)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return True
    return state in ("Z", "X")


async def test_every_event_process_stops_when_serve_dies(database_url: str, fake_slack: FakeSlack) -> None:
    async with running_serve(database_url, fake_slack, extra_env={"CLUELINE_EVENT_PROCESSES": "2"}) as serve:
        answering = children_of(serve.process.pid)
        assert len(answering) == 2
        status, _ = await serve.post(event_body(app_mention("<@UBOT> help"), "EvTWO1"))
        assert status == 200
        await wait_until_answered(database_url)
        serve.process.kill()  # no goodbye: only the pipes closing tell them
        await serve.process.wait()
        await until(lambda: all(exited(pid) for pid in answering), seconds=30)
        assert [pid for pid in answering if not exited(pid)] == []
    assert len(fake_slack.calls_to("chat.postMessage")) == 1


async def test_an_event_process_that_dies_is_replaced_and_the_next_mention_answered(
    database_url: str, fake_slack: FakeSlack
) -> None:
    async with running_serve(database_url, fake_slack) as serve:
        [first] = children_of(serve.process.pid)
        os.kill(first, signal.SIGKILL)

        def replacements() -> list[int]:
            return [pid for pid in children_of(serve.process.pid) if pid != first and not exited(pid)]

        await until(lambda: bool(replacements()), seconds=30)
        assert replacements(), "no event process replaced the one that died"
        status, _ = await serve.post(event_body(app_mention("<@UBOT> help"), "EvREPLACED1"))
        assert status == 200
        await wait_until_answered(database_url)
        await fake_slack.wait_for("chat.postMessage")
    assert len(fake_slack.calls_to("chat.postMessage")) == 1


async def test_an_event_stored_before_its_processes_died_is_answered_once_by_another_process(
    database_url: str, fake_slack: FakeSlack
) -> None:
    async with running_serve(database_url, fake_slack) as serve:
        [answering] = children_of(serve.process.pid)
        os.kill(answering, signal.SIGSTOP)  # the event process is frozen: nothing leases what serve stores
        status, _ = await serve.post(event_body(app_mention("<@UBOT> help"), "EvKILLED1"))
        assert status == 200
        [row] = await stored_rows(database_url)
        assert row.payload is not None and row.leased_by is None
        os.kill(answering, signal.SIGKILL)
        serve.process.kill()
        await serve.process.wait()
    assert not fake_slack.calls_to("chat.postMessage")
    # Two workers start at once: one of them answers it, once.
    async with worker(database_url, fake_slack), worker(database_url, fake_slack):
        await wait_until_answered(database_url)
        await fake_slack.wait_for("chat.postMessage")
    assert len(fake_slack.calls_to("chat.postMessage")) == 1


@pytest.mark.parametrize(
    ("event", "channel", "lookup"),
    [
        (direct_message("whoami"), "D0001", "conversations.history"),
        # In a channel the answer goes in a thread, which Slack lists apart from the channel's history.
        (app_mention("<@UBOT> whoami"), "C0001", "conversations.replies"),
    ],
)
async def test_a_reply_slack_took_before_the_answering_process_died_is_not_posted_again(
    database_url: str, fake_slack: FakeSlack, event: dict[str, object], channel: str, lookup: str
) -> None:
    fake_slack.hold_answers_after("chat.postMessage", 0)  # the reply lands; Slack's answer to it is held
    async with running_serve(database_url, fake_slack) as serve:
        status, _ = await serve.post(event_body(event, "EvKILLEDMIDREPLY"))
        assert status == 200
        for _ in range(300):
            if fake_slack.held:
                break
            await asyncio.sleep(0.05)
        [answering] = children_of(serve.process.pid)
        os.kill(answering, signal.SIGKILL)  # killed between Slack taking the reply and the event marked done
        fake_slack.release_held()
        # serve starts another answering process, which takes the dead one's event over and handles it again.
        await wait_until_answered(database_url)
    replies = [m["text"] for m in fake_slack.history[channel]]
    assert len(replies) == 1, replies
    assert fake_slack.calls_to(lookup), "the resumed event looked for its reply first"
