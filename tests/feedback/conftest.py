"""Shared fixtures of the feedback tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.clock import ManualClock
from bot.customer_voice.items import FeedbackItem, parse_item
from bot.customer_voice.scoring import HighlightScorer
from bot.runtime import Runtime
from bot.settings import Settings
from tests.support.recording import RecordingAdapter
from tests.support.runtime import build_test_runtime, close, plug

MakeItem = Callable[..., FeedbackItem]
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def scorer() -> HighlightScorer:
    """One scorer for all tests: loading the sentiment model takes time."""
    return HighlightScorer(product_terms=["export", "dashboard", "invoices", "reports", "sso"])


@pytest.fixture
def make_item() -> MakeItem:
    """Builds a valid item from the contract's example, with fields overridden."""

    def build(**fields: Any) -> FeedbackItem:
        obj: dict[str, Any] = {
            "id": "resp-1041",
            "source": "nps-survey",
            "received_at": NOW.isoformat(),
            "text": "Export to Excel breaks on big reports.",
        }
        obj.update(fields)
        return parse_item({k: v for k, v in obj.items() if v is not None})

    return build


@pytest.fixture
async def fb_runtime(settings: Settings) -> AsyncIterator[Runtime]:
    """A runtime on a manual clock at NOW, every feature set up, a recording Slack adapter."""
    runtime = build_test_runtime(settings, ManualClock(NOW))
    plug(runtime, RecordingAdapter("slack"))
    yield runtime
    await close(runtime)
