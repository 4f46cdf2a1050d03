"""A running `clueline serve` (a real subprocess) wired to a fake Slack Web API, and a client that signs posts."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import IO

import aiohttp
import pytest

from adapters.slack import SlackAdapter
from bot.settings import Settings
from tests.slack.payloads import SECRET, signed_headers
from tests.support.fake_slack import FakeSlack
from tests.support.processes import free_port, wait_healthy

ROOT = Path(__file__).resolve().parents[2]


class Serve:
    """One `clueline serve` process and a way to post to it."""

    def __init__(
        self, process: asyncio.subprocess.Process, port: int, session: aiohttp.ClientSession
    ) -> None:
        self.process = process
        self.url = f"http://127.0.0.1:{port}"
        self.session = session

    async def post(
        self, body: str, *, json_body: bool = True, headers: dict[str, str] | None = None, signed: bool = True
    ) -> tuple[int, str]:
        """POST /slack/events, signed with the test secret unless told otherwise."""
        content_type = "application/json" if json_body else "application/x-www-form-urlencoded"
        sent = signed_headers(body, content_type=content_type) if signed else {"Content-Type": content_type}
        sent.update(headers or {})
        async with self.session.post(
            f"{self.url}/slack/events", data=body.encode(), headers=sent
        ) as response:
            return response.status, await response.text()


async def _wait_healthy(serve: Serve, process: asyncio.subprocess.Process) -> None:
    def exited() -> str | None:
        return None if process.returncode is None else f"clueline serve exited with {process.returncode}"

    await wait_healthy(serve.session, serve.url, exited)


def process_env(database_url: str, fake: FakeSlack, **settings: str) -> dict[str, str]:
    """The environment of a Clueline process on `database_url` that talks to the fake Slack (single workspace)."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": fake.url,
        "CLUELINE_OUTBOX_POLL_SECONDS": "0.2",
    }
    for name in ("SLACK_APP_TOKEN", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "MICROSOFT_APP_ID"):
        env.pop(name, None)
    return {**env, **settings}


@asynccontextmanager
async def running_serve(
    database_url: str,
    fake: FakeSlack,
    *,
    module: str = "bot.cli",
    extra_env: dict[str, str] | None = None,
    log: IO[bytes] | None = None,
) -> AsyncIterator[Serve]:
    """`python -m bot.cli serve` (or a test launcher) on a free port, stopped with SIGTERM afterwards; its log
    goes to `log` when given."""
    port = free_port()
    env = process_env(database_url, fake, PORT=str(port), HOST="127.0.0.1", **(extra_env or {}))
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        module,
        "serve",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=log,
    )
    async with aiohttp.ClientSession() as session:
        serve = Serve(process, port, session)
        try:
            await _wait_healthy(serve, process)
            yield serve
        finally:
            if process.returncode is None:
                process.terminate()
                try:
                    await asyncio.wait_for(process.wait(), timeout=30)
                except TimeoutError:
                    process.kill()
                    await process.wait()


@pytest.fixture
async def slack(fake_slack: FakeSlack) -> AsyncIterator[SlackAdapter]:
    """The Slack adapter, started, in this process, against the fake Slack (single workspace)."""
    settings = Settings(
        slack_bot_token="xoxb-test", slack_signing_secret=SECRET, slack_api_url=fake_slack.url
    )
    adapter = SlackAdapter(settings)
    await adapter.start()
    yield adapter
    await adapter.stop()


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    """The fake Slack Web API, in this process."""
    async with FakeSlack() as fake:
        yield fake


ServeFactory = Callable[..., AbstractAsyncContextManager[Serve]]


@pytest.fixture
async def serve(database_url: str, fake_slack: FakeSlack) -> AsyncIterator[Serve]:
    """`clueline serve` with Slack configured against the fake, on the test's database."""
    async with running_serve(database_url, fake_slack) as server:
        yield server


@pytest.fixture
async def probe_serve(database_url: str, fake_slack: FakeSlack) -> AsyncIterator[Serve]:
    """`clueline serve` plus a test-only feature with a button, a form and a select (tests/slack/probe.py)."""
    # The probe feature exists only in this launcher's process, so that process answers (no event processes).
    async with running_serve(
        database_url, fake_slack, module="tests.slack.probe", extra_env={"CLUELINE_EVENT_PROCESSES": "0"}
    ) as server:
        yield server
