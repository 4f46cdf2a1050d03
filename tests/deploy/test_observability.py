"""What an operator sees: JSON log lines with the work's fields (still masked), probes that tell liveness from
readiness, and the worker's /metrics with the outbox, sends, 429s, retries, the LLM, answers and pulses."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.clock import ManualClock
from bot.core.errors import RetryableSendError
from bot.core.types import ConversationRef, OutboundMessage
from bot.runtime import Runtime, build_runtime
from bot.settings import Settings
from bot.worker_http import start_worker_http
from tests.answers.conftest import START, make_runtime
from tests.deploy.processes import ROOT, plain_env
from tests.support.databases import TEST_SECRET_KEY
from tests.support.fake_openai import FakeOpenAI
from tests.support.processes import free_port
from tests.support.recording import RecordingAdapter
from tests.support.testbot import TestBot
from tests.support.wiring import wired_runtime

CHANNEL = ConversationRef(platform="slack", workspace="T1", channel="C1")
THROTTLED = ConversationRef(platform="slack", workspace="T1", channel="CBUSY")


async def scrape(runtime: Runtime) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """GET /metrics of the worker's HTTP site, as {(sample name, labels): value}."""
    port = free_port()
    site = await start_worker_http(runtime, "127.0.0.1", port)
    try:
        async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/metrics") as response:
            assert response.status == 200
            body = await response.text()
    finally:
        await site.cleanup()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
    }


@pytest.fixture
async def runtime(settings: Settings) -> AsyncIterator[Runtime]:
    runtime = wired_runtime(settings, clock=ManualClock(START))
    runtime.adapters["slack"] = RecordingAdapter("slack")
    yield runtime
    await runtime.database.dispose()


async def test_worker_metrics_show_the_backlog_sends_429s_retries_and_pulse_deliveries(
    runtime: Runtime,
) -> None:
    async with runtime.database.session() as session:
        await runtime.outbox.enqueue(session, OutboundMessage.plain("notice"), conversation=CHANNEL)
        await runtime.outbox.enqueue(
            session, OutboundMessage.plain("pulse"), conversation=CHANNEL, purpose="pulse_invite"
        )
        await runtime.outbox.enqueue(session, OutboundMessage.plain("busy"), conversation=THROTTLED)
    assert isinstance(runtime.clock, ManualClock)
    runtime.clock.advance(timedelta(seconds=90))
    before = await scrape(runtime)
    assert before[("clueline_outbox_due", ())] == 3
    assert before[("clueline_outbox_oldest_due_seconds", ())] == 90

    adapter = runtime.adapters["slack"]
    assert isinstance(adapter, RecordingAdapter)
    adapter.failures["CBUSY"] = RetryableSendError("slack chat.postMessage: ratelimited", 30, throttled=True)
    assert await runtime.worker().run_once() == 3
    after = await scrape(runtime)
    assert after[("clueline_sends_total", (("platform", "slack"), ("result", "sent")))] == 2
    assert after[("clueline_sends_total", (("platform", "slack"), ("result", "rate_limited")))] == 1
    assert after[("clueline_rate_limited_total", (("platform", "slack"),))] == 1
    assert after[("clueline_send_retries_total", (("platform", "slack"),))] == 1
    assert after[("clueline_pulse_deliveries_total", (("platform", "slack"),))] == 1
    # The throttled row waits out its Retry-After: not due, so not in the backlog.
    assert after[("clueline_outbox_due", ())] == 0


async def test_probes_tell_a_live_process_from_a_ready_one() -> None:
    runtime = build_runtime(Settings(database_url="postgresql://clueline:pw@127.0.0.1:1/nowhere"))
    port = free_port()
    site = await start_worker_http(runtime, "127.0.0.1", port)
    try:
        async with aiohttp.ClientSession() as http:
            statuses = {}
            for path in ("/livez", "/readyz", "/healthz"):
                async with http.get(f"http://127.0.0.1:{port}{path}") as response:
                    statuses[path] = response.status
            async with http.get(f"http://127.0.0.1:{port}/metrics") as response:
                assert response.status == 200  # the backlog cannot be read; the other metrics still are
    finally:
        await site.cleanup()
        await runtime.database.dispose()
    # The database is down: not ready (take it out of the load balancer), but alive (do not restart it).
    assert statuses == {"/livez": 200, "/readyz": 503, "/healthz": 503}


async def test_llm_latency_fallbacks_and_answers_given_and_declined_are_counted(
    database_url: str, tmp_path: Path
) -> None:
    server = FakeOpenAI(status=500)
    await server.start()
    settings = Settings(
        database_url=database_url,
        openai_base_url=server.base_url,
        openai_api_key="sk-test",
        secret_key=TEST_SECRET_KEY,
        extra={"CLUELINE_LLM_TIMEOUT_SECONDS": "2"},
    )
    runtime = await make_runtime(settings, ManualClock(START))
    try:
        bot = TestBot(runtime)
        await bot.push("how do I export invoices?")
        await bot.push("what is the airspeed velocity of an unladen swallow?")
        metrics = await scrape(runtime)
    finally:
        await runtime.database.dispose()
        await server.stop()
    assert server.requests
    # One question reached the LLM (the client retried the 500 itself) and fell back to the extractive answer.
    assert metrics[("clueline_llm_seconds_count", ())] == 1
    assert metrics[("clueline_llm_fallbacks_total", ())] == 1
    assert metrics[("clueline_answers_total", (("result", "answered"),))] == 1
    assert metrics[("clueline_answers_total", (("result", "declined"),))] == 1


LOGGING_SCRIPT = """
import asyncio, logging
from bot.log_setup import configure_logging
from bot.settings import load_settings
from tests.support.runtime import build_test_runtime
from tests.support.testbot import TestBot

async def main():
    settings = load_settings()
    configure_logging("DEBUG", settings.log_format)
    runtime = build_test_runtime(settings)
    from bot.db import migrate
    await migrate.upgrade(runtime.database)
    await TestBot(runtime).push("help")
    logging.getLogger("bot.test").info("token xoxb-1234-5678-abcdef for dana@example.com")
    logging.getLogger("slack_sdk.web").debug("library body with dana@example.com")
    await runtime.database.dispose()

asyncio.run(main())
"""


def test_json_logs_are_one_object_a_line_with_the_events_fields_and_stay_masked(tmp_path: Path) -> None:
    env = plain_env(tmp_path, CLUELINE_LOG_FORMAT="json")
    result = subprocess.run(
        [sys.executable, "-c", LOGGING_SCRIPT], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines()]  # every line is one JSON object
    assert all({"time", "level", "logger", "message"} <= line.keys() for line in lines)
    handled = [line for line in lines if line["message"] == "message event handled"]
    assert len(handled) == 1
    assert handled[0]["platform"] == "console" and handled[0]["feature"] == "help"
    assert len(handled[0]["event"]) == 12 and handled[0]["duration_ms"] >= 0
    # The privacy filter still runs before the JSON formatter: masked, and libraries' chatter dropped.
    assert "xoxb-" not in result.stderr and "dana@example.com" not in result.stderr
    assert any("[token]" in line["message"] and "[email]" in line["message"] for line in lines)
    assert not any(line["logger"].startswith("slack_sdk") for line in lines)


def test_a_teams_channel_id_stays_readable_in_a_log_line_while_addresses_and_secrets_are_masked() -> None:
    from bot.log_privacy import mask

    channel = "19:a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6@thread.tacv2"
    line = f"a feedback_digest message on teams was not sent, for good: 403 for {channel}"
    assert mask(line) == line  # the operator must tell which of several channels failed
    assert mask("group 19:abc123@unq.gbl.spaces") == "group 19:abc123@unq.gbl.spaces"
    assert mask("from dana@example.com via thread") == "from [email] via thread"
    assert mask("token a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8") == "token [secret]"
