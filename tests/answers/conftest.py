"""Fixtures of the answers tests: a runtime on a manual clock with Northpine's docs ingested."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.core.types import ConversationRef, InboundMessage, UserRef
from bot.features.answers import DEMO_DOCS, DEMO_SUFFIXES
from bot.features.answers.answering import knowledge_store
from bot.runtime import Runtime
from bot.settings import Settings
from tests.support.runtime import build_test_runtime

# A Wednesday: the weekly digest is due the following Monday at 09:00 UTC.
START = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def demo_files() -> list[Path]:
    """Northpine's knowledge files, as the demo ingests them."""
    return sorted(p for p in DEMO_DOCS.iterdir() if p.suffix in DEMO_SUFFIXES)


@pytest.fixture
def clock() -> ManualClock:
    """Time that moves only when a test moves it."""
    return ManualClock(START)


async def make_runtime(settings: Settings, clock: ManualClock, *, wire_llm: bool = False) -> Runtime:
    """A runtime with every feature set up and Northpine's docs ingested."""
    from bot.app import wire_language_model

    runtime = build_test_runtime(settings, clock)
    if wire_llm:
        wire_language_model(runtime)
    report = await knowledge_store(runtime).ingest(demo_files())
    assert not report.failed
    return runtime


@pytest.fixture
async def answers_runtime(settings: Settings, clock: ManualClock) -> AsyncIterator[Runtime]:
    """The services of one process, with Northpine's knowledge in the store."""
    runtime = await make_runtime(settings, clock)
    yield runtime
    await runtime.database.dispose()


def slack_user(user_id: str, name: str) -> UserRef:
    """A Slack person."""
    return UserRef(platform="slack", workspace="T1", user_id=user_id, display_name=name)


def slack_message(
    event_id: str,
    user: UserRef,
    text: str,
    *,
    channel: str = "CGENERAL",
    thread: str | None = None,
    direct: bool = False,
    mention: bool = False,
    in_bot_thread: bool = False,
    message_id: str | None = None,
) -> InboundMessage:
    """An inbound Slack message as the Slack adapter would parse it."""
    return InboundMessage(
        event_id=event_id,
        conversation=ConversationRef(
            platform="slack", workspace="T1", channel=channel, thread=thread, is_direct=direct
        ),
        user=user,
        text=text,
        message_id=message_id or f"{event_id}.ts",
        is_direct=direct,
        mentions_bot=mention,
        in_bot_thread=in_bot_thread,
    )
