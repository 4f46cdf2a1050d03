"""End to end: a detractor posted to `clueline serve`'s webhook reaches its real-time route's Slack channel."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from bot.features.feedback import manage
from bot.features.feedback.render import DISCUSS, FOLLOW_UP
from bot.features.feedback.routing import parse_route
from bot.features.feedback.tables import FeedbackRecord, HighlightPostRecord
from bot.runtime import build_runtime
from bot.settings import Settings
from tests.slack import payloads as p
from tests.slack.conftest import Serve, running_serve
from tests.support.databases import TEST_SECRET_KEY
from tests.support.fake_slack import FakeSlack

SECRET = "feedback-webhook-secret"
DETRACTOR = {
    "id": "resp-77",
    "source": "nps-survey",
    "scale": "nps",
    "score": 2,
    "text": "Invoices sent twice to every client this morning; call Dana on +44 20 7946 0958. "
    "Refund to GB82 WEST 1234 5698 7654 32.",
    "customer": {"name": "Dana Reyes", "email": "dana@example.com", "account": "Northwind"},
    "product": "invoices",
}


async def test_a_detractor_reaches_its_real_time_route_channel_within_5_seconds(database_url: str) -> None:
    from adapters.feedback_formats.webhook import signature

    runtime = build_runtime(Settings(secret_key=TEST_SECRET_KEY, database_url=database_url))
    try:
        await manage.add_route(runtime, parse_route("slack:C0DETRACT", max_score=6), "test")
        await manage.add_route(runtime, parse_route("slack:C0PROMO", min_score=9), "test")
    finally:
        await runtime.database.dispose()
    body = json.dumps(DETRACTOR).encode()
    async with (
        FakeSlack() as fake,
        running_serve(database_url, fake, extra_env={"CLUELINE_FEEDBACK_SECRET": SECRET}) as serve,
    ):
        response = await serve.session.post(
            f"{serve.url}/feedback",
            data=body,
            headers={"Content-Type": "application/json", "X-Clueline-Signature": signature(SECRET, body)},
        )
        assert response.status == 202
        assert await response.json() == {"accepted": 1, "duplicates": 0}
        [call] = await fake.wait_for("chat.postMessage", 1, timeout=5)
    assert call.body["channel"] == "C0DETRACT"
    posted = json.dumps(call.body)
    assert "NPS 2" in posted and "Northwind" in posted
    assert "Dana" not in posted and "7946" not in posted and "dana@example.com" not in posted
    assert "5698" not in posted and "[iban]" in posted
    assert len(fake.calls_to("chat.postMessage")) == 1


async def test_a_follow_up_pressed_in_slack_gives_the_contact_to_the_claimer_alone_and_marks_the_post(
    database_url: str,
) -> None:
    async with _detractor_posted(database_url, FOLLOW_UP) as (fake, serve, value, ts):
        from_elsewhere = p.block_actions(p.button(FOLLOW_UP, value), user="U0BEN", channel="C0OTHER")
        assert (await serve.post(p.interactive(from_elsewhere), json_body=False))[0] == 200
        [refused] = await fake.wait_for("chat.postEphemeral", 1)
        in_channel = p.block_actions(
            p.button(FOLLOW_UP, value), user="U0ANA", channel="C0VOICE", message_ts=ts
        )
        assert (await serve.post(p.interactive(in_channel), json_body=False))[0] == 200
        [_, contact] = await fake.wait_for("chat.postEphemeral", 2)
        [marked] = await fake.wait_for("chat.update", 1)
    assert (refused.body["channel"], refused.body["user"]) == ("C0OTHER", "U0BEN")
    assert "can't find that feedback" in refused.body["text"]
    assert (contact.body["channel"], contact.body["user"]) == ("C0VOICE", "U0ANA")
    assert "dana@example.com" in json.dumps(contact.body) and "Dana Reyes" in json.dumps(contact.body)
    # What they wrote shows how to reach them (the phone they gave), never their bank account.
    assert "7946 0958" in json.dumps(contact.body)
    assert "5698" not in json.dumps(contact.body) and "[iban]" in json.dumps(contact.body)
    assert (marked.body["channel"], marked.body["ts"]) == ("C0VOICE", ts)
    assert "Followed up by" in json.dumps(marked.body) and "U0ANA" in json.dumps(marked.body)
    public = [c for c in fake.calls if c is not contact]
    assert not any("dana@example.com" in json.dumps(c.body) or "Dana" in json.dumps(c.body) for c in public)
    assert await _claimed_by(database_url) == "slack:U0ANA"


async def test_discuss_pressed_twice_in_slack_starts_one_discussion_and_points_the_second_presser_to_it(
    database_url: str,
) -> None:
    async with _detractor_posted(database_url, DISCUSS) as (fake, serve, value, ts):
        for user in ("U0ANA", "U0BEN"):
            press = p.block_actions(p.button(DISCUSS, value), user=user, channel="C0VOICE", message_ts=ts)
            assert (await serve.post(p.interactive(press), json_body=False))[0] == 200
            if user == "U0ANA":
                await fake.wait_for("chat.postMessage", 2)
        [pointed] = await fake.wait_for("chat.postEphemeral", 1)
    started = [c for c in fake.calls if c.method == "chat.postMessage"][1:]
    assert len(started) == 1 and started[0].body["thread_ts"] == ts
    assert "started a discussion" in json.dumps(started[0].body)
    assert (pointed.body["channel"], pointed.body["user"]) == ("C0VOICE", "U0BEN")
    assert "already going" in pointed.body["text"]


@contextlib.asynccontextmanager
async def _detractor_posted(
    database_url: str, action_id: str
) -> AsyncIterator[tuple[FakeSlack, Serve, str, str]]:
    """`clueline serve` with a route to #C0VOICE, once the detractor is posted there: the fake Slack, the
    server, the value of the post's button with that action id, and the post's ts."""
    runtime = build_runtime(Settings(secret_key=TEST_SECRET_KEY, database_url=database_url))
    try:
        await manage.add_route(runtime, parse_route("slack:C0VOICE"), "test")
    finally:
        await runtime.database.dispose()
    async with (
        FakeSlack() as fake,
        running_serve(database_url, fake, extra_env={"CLUELINE_FEEDBACK_SECRET": SECRET}) as serve,
    ):
        await _post_feedback(serve, DETRACTOR)
        [posted] = await fake.wait_for("chat.postMessage", 1, timeout=5)
        [value] = [
            e["value"]
            for b in posted.body["blocks"]
            if b["type"] == "actions"
            for e in b["elements"]
            if e["action_id"] == action_id
        ]
        yield fake, serve, str(value), await _posted_ts(database_url)


async def _post_feedback(serve: Serve, item: dict[str, Any]) -> None:
    from adapters.feedback_formats.webhook import signature

    body = json.dumps(item).encode()
    headers = {"Content-Type": "application/json", "X-Clueline-Signature": signature(SECRET, body)}
    response = await serve.session.post(f"{serve.url}/feedback", data=body, headers=headers)
    assert response.status == 202


async def _posted_ts(database_url: str) -> str:
    """The Slack ts of the one highlight post, once the serve process has recorded it."""
    runtime = build_runtime(Settings(secret_key=TEST_SECRET_KEY, database_url=database_url))
    try:
        for _ in range(100):
            async with runtime.database.session() as session:
                found = (await session.execute(select(col(HighlightPostRecord.message_id)))).scalar()
            if found:
                return str(found)
            await asyncio.sleep(0.05)
        raise AssertionError("the post was never recorded as sent")
    finally:
        await runtime.database.dispose()


async def _claimed_by(database_url: str) -> str | None:
    runtime = build_runtime(Settings(secret_key=TEST_SECRET_KEY, database_url=database_url))
    try:
        async with runtime.database.session() as session:
            return (await session.execute(select(col(FeedbackRecord.claimed_by)))).scalar()
    finally:
        await runtime.database.dispose()
