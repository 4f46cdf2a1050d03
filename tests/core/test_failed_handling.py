"""A stored event whose handling failed: tried again when nothing was done for it yet, never when a feature ran.

An event in the inbound queue was acknowledged long ago, so the platform will not deliver it again: giving it
up drops the person's message. Before any feature runs (the directory's write, where a database blip shows
first) nothing was said or written for it, and it goes back to the queue; once a feature ran, it may have
replied, and a second try could say it twice.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from bot.core import inbound_worker
from bot.core.inbound_worker import TRIES, InboundWorker
from bot.core.turn import Turn
from bot.core.types import InboundMessage
from bot.db.inbound_file import TABLE, inbound_database
from bot.runtime import Runtime
from bot.settings import Settings
from tests.support import runtime as services
from tests.support.testbot import TestBot, dm_of, person
from tests.support.waiting import until


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inbound_worker, "RETRY_SECONDS", 0.1)  # 10 s in a real process


class DirectoryFailing:
    """The runtime's directory, whose writes fail (as during a database failover) the first `times` times."""

    def __init__(self, directory: Any, times: int) -> None:
        self._directory = directory
        self.times = times
        self.calls = 0

    async def remember(self, **kwargs: Any) -> None:
        self.calls += 1
        if self.calls <= self.times:
            raise OperationalError("INSERT INTO person ...", {}, Exception("server closed the connection"))
        await self._directory.remember(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._directory, name)


@asynccontextmanager
async def answering(
    settings: Settings, directory_failures: int = 0
) -> AsyncIterator[tuple[Runtime, TestBot, DirectoryFailing]]:
    """A process answering stored events, whose directory writes fail the first `directory_failures` times."""
    runtime = services.build_test_runtime(settings)
    bot = TestBot(runtime)
    bot.platform("slack")
    failing = DirectoryFailing(runtime.directory, directory_failures)
    runtime.directory = failing  # type: ignore[assignment]
    worker = InboundWorker(runtime, name="host:1")
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run(stop, poll_seconds=0.05))
    try:
        yield runtime, bot, failing
    finally:
        stop.set()
        await running
        await services.close(runtime)


async def store_dm(runtime: Runtime, text: str, event_id: str = "Ev1") -> str:
    """A DM from U1 stored as the ack stores it; its dedupe key."""
    slack = services.adapter_of(runtime, "slack")
    event = InboundMessage(
        event_id=event_id,
        conversation=dm_of("U1"),
        user=person("U1"),
        text=text,
        message_id="m1",
        is_direct=True,
    )
    assert await runtime.dispatcher.store(event, slack)
    return runtime.dispatcher.event_key("slack", event_id)


async def stored_row(runtime: Runtime, key: str) -> Any:
    async with inbound_database(runtime.database).session() as session:
        return (await session.execute(select(TABLE).where(TABLE.c.key == key))).first()


async def row_is(runtime: Runtime, key: str, condition: Callable[[Any], bool]) -> bool:
    """Whether the event's row (None once gone) meets `condition`."""
    return condition(await stored_row(runtime, key))


async def test_a_dm_whose_first_try_failed_before_any_feature_ran_is_answered_on_the_next(
    settings: Settings,
) -> None:
    async with answering(settings, directory_failures=1) as (runtime, bot, failing):
        key = await store_dm(runtime, "help")
        await until(lambda: bool(bot.replies_to("U1")))
        await until(lambda: failing.calls == 2)
        await asyncio.sleep(0.5)  # and nothing more after the answer
        assert failing.calls == 2
        assert len(bot.replies_to("U1")) == 1
        await until(
            lambda: row_is(
                runtime, key, lambda row: row is not None and row.completed and row.payload is None
            )
        )


async def test_a_dm_that_fails_every_try_before_any_feature_ran_is_given_up_after_the_last(
    settings: Settings,
) -> None:
    async with answering(settings, directory_failures=100) as (runtime, bot, failing):
        key = await store_dm(runtime, "help")
        await until(lambda: failing.calls == TRIES)
        # Given back, as any failed event's key is.
        await until(lambda: row_is(runtime, key, lambda row: row is None))
        await asyncio.sleep(0.5)  # tries 1 + 2 apart already: a fourth would have come by now
        assert failing.calls == TRIES
        assert bot.replies_to("U1") == []


async def test_the_tries_go_on_counting_in_the_next_process_that_leases_the_event(
    settings: Settings,
) -> None:
    async with answering(settings, directory_failures=100) as (runtime, bot, failing):
        key = await store_dm(runtime, "help")
        await until(lambda: failing.calls == 1)
        # Another process answers beside the first: whichever leases the event next goes on counting.
        second = InboundWorker(runtime, name="host:2")
        stop = asyncio.Event()
        running = asyncio.create_task(second.run(stop, poll_seconds=0.05))
        try:
            await until(lambda: row_is(runtime, key, lambda row: row is None))
            await asyncio.sleep(0.5)  # a fourth try would have come by now
        finally:
            stop.set()
            await running
        assert failing.calls == TRIES
        assert bot.replies_to("U1") == []


async def test_a_feature_that_failed_after_replying_is_not_tried_again(
    settings: Settings,
) -> None:
    async with answering(settings) as (runtime, bot, _directory):
        tries = 0

        async def replies_then_fails(turn: Turn) -> None:
            nonlocal tries
            tries += 1
            await turn.reply("working on it")
            raise OperationalError("UPDATE report ...", {}, Exception("server closed the connection"))

        runtime.dispatcher.command("report", replies_then_fails, usage="report", summary="a report")
        key = await store_dm(runtime, "report")
        await until(lambda: tries == 1)
        await until(lambda: row_is(runtime, key, lambda row: row is None))  # given up at once, as before
        await asyncio.sleep(0.5)
        assert tries == 1
        assert bot.replies_to("U1") == ["working on it"]


async def test_an_event_stored_by_an_earlier_version_under_its_old_key_is_answered_once(
    settings: Settings,
) -> None:
    async with answering(settings) as (runtime, bot, _directory):
        event = InboundMessage(
            event_id="EvOld",
            conversation=dm_of("U1"),
            user=person("U1"),
            text="help",
            message_id="m1",
            is_direct=True,
        )
        # Before event keys were keyed hashes, a plain SHA-256 named the stored event.
        old_key = hashlib.sha256(b"slack:EvOld").hexdigest()
        assert await runtime.inbound.store(old_key, "slack", event)
        # Done: dropped (SQLite's inbound file) or kept as a completed key (PostgreSQL).
        await until(lambda: row_is(runtime, old_key, lambda row: row is None or bool(row.completed)))
        await asyncio.sleep(0.5)
        assert len(bot.replies_to("U1")) == 1
