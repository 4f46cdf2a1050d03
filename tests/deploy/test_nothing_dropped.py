"""Nothing accepted is lost: replies over a channel's rate limit wait their turn; an event the database cannot
record is refused with 503 (Slack delivers it again), never acknowledged and dropped."""

from __future__ import annotations

import asyncio
import time

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.engine import make_url

from tests.slack.conftest import running_serve
from tests.slack.payloads import app_mention, direct_message, event_body
from tests.support.databases import POSTGRES_ADMIN_URL
from tests.support.fake_slack import FakeSlack


async def set_reachable(database_url: str, reachable: bool) -> None:
    """Open or close the database to new connections, and cut the ones it has (an outage)."""
    name = make_url(database_url).database
    admin = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {"true" if reachable else "false"}')
        if not reachable:
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
                name,
            )
    finally:
        await admin.close()


async def test_a_dm_during_a_database_outage_gets_503_and_is_answered_when_slack_retries(
    postgres_url: str, fake_slack: FakeSlack
) -> None:
    body = event_body(direct_message("help", ts="1700000100.000100"), "EvOUTAGE1")
    async with running_serve(postgres_url, fake_slack) as serve:
        await set_reachable(postgres_url, False)
        try:
            status, _ = await serve.post(body)
        finally:
            await set_reachable(postgres_url, True)
        assert status == 503
        assert not fake_slack.calls_to("chat.postMessage")
        # Slack's retry of the same event, once the database is back: handled, and answered once.
        status, _ = await serve.post(
            body, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_error"}
        )
        assert status == 200
        await fake_slack.wait_for("chat.postMessage", 1, timeout=30)
        assert len(fake_slack.calls_to("chat.postMessage")) == 1


# Two seconds of mentions at ten a second: twenty replies to drain at Slack's one a second in a channel, which
# shows the queue holding them (eighteen wait behind the limit) as well as 150 did (two and a half minutes of
# the suite per backend).
BURST = 20


async def test_a_burst_of_replies_over_a_channels_limit_is_all_delivered_in_order(
    database_url: str, fake_slack: FakeSlack
) -> None:
    # 10 mentions a second in one channel, ten times what Slack lets the bot post there: the replies queue
    # behind the channel's limit instead of being refused by it.
    mentions = [f"1700001{n:03d}.000100" for n in range(BURST)]
    async with running_serve(database_url, fake_slack) as serve:
        for n, ts in enumerate(mentions):
            status, _ = await serve.post(event_body(app_mention("<@UBOT> thanks!", ts=ts), f"EvBURST{n:03d}"))
            assert status == 200
            await asyncio.sleep(0.1)
        await fake_slack.wait_for("chat.postMessage", BURST, timeout=BURST * 1.5 + 30)
    threads = [call.body.get("thread_ts") for call in fake_slack.calls_to("chat.postMessage", ok_only=True)]
    assert threads == mentions


NOISY = 60


async def test_a_burst_in_one_channel_does_not_hold_back_the_answer_in_another(
    database_url: str, fake_slack: FakeSlack
) -> None:
    # A minute of replies in one channel (Slack lets the bot post there about once a second), then one
    # mention elsewhere: it is answered at once, not after the burst's replies.
    async with running_serve(database_url, fake_slack) as serve:
        for n in range(NOISY):
            body = event_body(app_mention("<@UBOT> thanks!", ts=f"1700002{n:03d}.000100"), f"EvNOISY{n:03d}")
            status, _ = await serve.post(body)
            assert status == 200
        await fake_slack.wait_for("chat.postMessage", 2, timeout=30)  # the burst's replies are under way
        asked = time.monotonic()
        quiet = app_mention("<@UBOT> thanks!", channel="C0002", ts="1700003000.000100")
        status, _ = await serve.post(event_body(quiet, "EvQUIET"))
        assert status == 200
        deadline = asked + 20
        while not [c for c in fake_slack.calls_to("chat.postMessage") if c.body.get("channel") == "C0002"]:
            assert time.monotonic() < deadline, "the other channel's answer waited behind the burst"
            await asyncio.sleep(0.2)
        burst_replies = len(fake_slack.calls_to("chat.postMessage")) - 1
    answer = next(c for c in fake_slack.calls_to("chat.postMessage") if c.body.get("channel") == "C0002")
    assert answer.received_at - asked < 5
    assert burst_replies < NOISY  # answered while the burst was still going out
