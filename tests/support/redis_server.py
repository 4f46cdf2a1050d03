"""The test Redis (REDIS_URL for shared rate budgets), skipped when absent; unit tests keep keys under a prefix of their own."""

from __future__ import annotations

import os

TEST_REDIS_URL = os.environ.get("CLUELINE_TEST_REDIS", "redis://127.0.0.1:6379/0")


async def redis_reachable() -> str | None:
    """None when the test Redis answers, else the reason it does not."""
    from redis.asyncio import Redis

    client = Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=2)
    try:
        await client.ping()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    finally:
        await client.aclose()
    return None


async def forget_rate_budgets() -> None:
    """Delete every shared rate budget key, so each test starts with full buckets."""
    from redis.asyncio import Redis

    from bot.rate_budget.redis_store import PREFIX

    client = Redis.from_url(TEST_REDIS_URL)
    try:
        keys = [key async for key in client.scan_iter(match=PREFIX + "*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()
