"""A worker restarted on the same machine resumes its dead predecessor's rows at once; others wait their lease."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import pytest

from bot.clock import ManualClock
from bot.core.types import ConversationRef, OutboundMessage
from bot.outbox.claimers import died_on_this_machine, worker_name
from bot.runtime import Runtime, build_runtime
from bot.settings import Settings
from tests.support.dead_processes import dead_pid, name_of
from tests.support.recording import RecordingAdapter

CHANNEL = ConversationRef(platform="slack", workspace="T1", channel="C1")

pytestmark = pytest.mark.skipif(not os.path.exists("/proc/self/ns/pid"), reason="needs Linux's /proc")


@pytest.fixture
async def runtime(settings: Settings) -> AsyncIterator[Runtime]:
    runtime = build_runtime(settings, clock=ManualClock(datetime(2026, 3, 1, 12, 0, tzinfo=UTC)))
    runtime.adapters["slack"] = RecordingAdapter("slack")
    yield runtime
    await runtime.database.dispose()


@pytest.fixture
def live_process() -> Iterator[int]:
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield process.pid
    process.kill()
    process.wait()


async def claimed_by(runtime: Runtime, worker: str, text: str) -> None:
    async with runtime.database.session() as session:
        await runtime.outbox.enqueue(session, OutboundMessage.plain(text), conversation=CHANNEL)
    assert len(await runtime.outbox.claim(worker, 10)) == 1


def sent_texts(runtime: Runtime) -> list[str]:
    adapter = runtime.adapters["slack"]
    assert isinstance(adapter, RecordingAdapter)
    return adapter.texts()


async def test_rows_of_a_worker_that_died_on_this_machine_are_resumed_without_waiting(
    runtime: Runtime,
) -> None:
    await claimed_by(runtime, name_of(dead_pid()), "half sent")
    assert await runtime.worker().run_once() == 1
    assert sent_texts(runtime) == ["half sent"]


async def test_rows_of_a_live_worker_wait_for_their_lease(runtime: Runtime, live_process: int) -> None:
    await claimed_by(runtime, name_of(live_process), "still sending")
    assert await runtime.worker().run_once() == 0
    assert sent_texts(runtime) == []


async def test_rows_of_a_worker_on_another_machine_wait_for_their_lease(runtime: Runtime) -> None:
    other_machine = worker_name().replace(f"{socket.gethostname()}:", "elsewhere:")
    assert other_machine != worker_name()
    await claimed_by(runtime, other_machine.replace(f":{os.getpid()}@", f":{dead_pid()}@"), "far away")
    assert await runtime.worker().run_once() == 0


def test_only_dead_processes_of_this_host_and_pid_namespace_count_as_dead(live_process: int) -> None:
    pid = dead_pid()
    assert died_on_this_machine(name_of(pid))
    assert not died_on_this_machine(name_of(live_process))
    assert not died_on_this_machine(worker_name()), "never itself"
    assert not died_on_this_machine(name_of(pid).rsplit("@", 1)[0] + "@1"), "another pid namespace"
    assert not died_on_this_machine(name_of(pid).rsplit("@", 1)[0]), "a name without its namespace"
    assert not died_on_this_machine("bench-1234")
