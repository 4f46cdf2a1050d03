"""Slack's delivery contract across processes: retries answered once, 429 windows honoured by the outbox."""

from __future__ import annotations

import asyncio
from collections import Counter

from tests.slack import payloads as p
from tests.slack.conftest import running_serve
from tests.slack.outbox_rows import queue, statuses
from tests.slack.test_resumed_send import eventually
from tests.support.fake_slack import FakeSlack

# A call that left before the 429 answer reached the sender may land just after it; beyond this, none may.
IN_FLIGHT = 0.15


async def test_retried_event_sent_to_a_second_instance_is_answered_once(
    postgres_url: str, fake_slack: FakeSlack
) -> None:
    body = p.event_body(p.app_mention("<@UBOT> help", ts="1700000030.000100"), "Ev-retried")
    async with (
        running_serve(postgres_url, fake_slack) as first,
        running_serve(postgres_url, fake_slack) as second,
    ):
        assert (await first.post(body))[0] == 200
        retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
        assert (await second.post(body, headers=retry))[0] == 200
        # The barrier: a new message to the second instance, answered after the retry was looked at.
        await second.post(p.event_body(p.direct_message("help", ts="1700000031.000100"), "Ev-next"))
        replies = await fake_slack.wait_for("chat.postMessage", 2)
        assert sorted(r.body["channel"] for r in replies) == ["C0001", "D0001"]
    assert len(fake_slack.calls_to("chat.postMessage")) == 2


async def test_429_with_retry_after_delays_the_whole_method_and_loses_nothing(
    database_url: str, fake_slack: FakeSlack
) -> None:
    texts = [f"notice {n}" for n in range(12)]
    async with running_serve(database_url, fake_slack):
        fake_slack.rate_limit("chat.postMessage", retry_after=2, seconds=3.0)
        await queue(database_url, [(f"C{n % 4:04d}", text, False) for n, text in enumerate(texts)])
        delivered = await fake_slack.wait_for("chat.postMessage", len(texts), timeout=60)
    calls = fake_slack.calls_to("chat.postMessage")
    limited = [c for c in calls if c.status == 429]
    assert limited, "the fake should have answered 429 at least once"
    for refusal in limited:
        window_start, window_end = refusal.answered_at + IN_FLIGHT, refusal.answered_at + 2.0
        inside = [c for c in calls if window_start < c.received_at < window_end]
        assert not inside, f"{len(inside)} calls inside a Retry-After window"
    assert Counter(c.body["text"] for c in delivered) == Counter(texts)
    assert await statuses(database_url) == {"sent": len(texts)}


async def test_permanent_error_fails_the_outbox_row_without_retrying(
    database_url: str, fake_slack: FakeSlack
) -> None:
    fake_slack.errors["C0GONE"] = "channel_not_found"
    async with running_serve(database_url, fake_slack):
        await queue(database_url, [("C0GONE", "to nowhere", False), ("C0OK", "to somewhere", False)])
        await fake_slack.wait_for("chat.postMessage", 1)
        for _ in range(100):
            if await statuses(database_url) == {"failed": 1, "sent": 1}:
                break
            await asyncio.sleep(0.1)
    assert await statuses(database_url) == {"failed": 1, "sent": 1}
    assert len(fake_slack.calls_to("chat.postMessage", ok_only=False)) == 2


async def test_a_reply_refused_with_a_proxys_plain_text_503_is_sent_once_later(
    database_url: str, fake_slack: FakeSlack
) -> None:
    fake_slack.fail_next("chat.postMessage", 2, status=503)
    async with running_serve(database_url, fake_slack) as serve:
        assert (await serve.post(p.event_body(p.direct_message("help"), "Ev-plain-503")))[0] == 200
        await fake_slack.wait_for("chat.postMessage", 1, timeout=60)
        await asyncio.sleep(1)
    assert len(fake_slack.history["D0001"]) == 1


async def test_a_reply_slack_took_before_its_answer_was_lost_is_not_posted_again(
    database_url: str, fake_slack: FakeSlack
) -> None:
    fake_slack.fail_next("chat.postMessage", 1, status=500, posted=True)
    async with running_serve(database_url, fake_slack) as serve:
        assert (await serve.post(p.event_body(p.direct_message("help"), "Ev-lost-answer")))[0] == 200
        await eventually(
            lambda: _statuses_are(database_url, {"sent": 1}), "the queued reply recorded as sent"
        )
    assert len(fake_slack.history["D0001"]) == 1
    assert fake_slack.calls_to("conversations.history", ok_only=True), "it was looked up, not posted again"


async def test_outbox_posts_whose_answers_were_lost_are_each_in_slack_once(
    database_url: str, fake_slack: FakeSlack
) -> None:
    channels = [f"C{n:04d}" for n in range(1, 5)]
    fake_slack.fail_next("chat.postMessage", 2, status=502, posted=True)
    async with running_serve(database_url, fake_slack):
        await queue(database_url, [(channel, f"notice to {channel}", False) for channel in channels])
        await eventually(lambda: _statuses_are(database_url, {"sent": 4}), "every row sent")
    assert {channel: len(fake_slack.history[channel]) for channel in channels} == dict.fromkeys(channels, 1)


async def _statuses_are(database_url: str, expected: dict[str, int]) -> bool:
    return await statuses(database_url) == expected
