"""Fixtures of the deployment tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.support.fake_slack import FakeSlack


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    """The fake Slack Web API, in this process."""
    async with FakeSlack() as fake:
        yield fake
