"""End to end: a detractor posted to `clueline serve`'s webhook reaches its real-time route's Slack channel."""

from __future__ import annotations

import json

from bot.features.feedback import manage
from bot.features.feedback.routing import parse_route
from bot.runtime import build_runtime
from bot.settings import Settings
from tests.slack.conftest import running_serve
from tests.support.fake_slack import FakeSlack

SECRET = "feedback-webhook-secret"


async def test_a_detractor_reaches_its_real_time_route_channel_within_5_seconds(database_url: str) -> None:
    from adapters.feedback_formats.webhook import signature

    runtime = build_runtime(Settings(database_url=database_url))
    try:
        await manage.add_route(runtime, parse_route("slack:C0DETRACT", max_score=6), "test")
        await manage.add_route(runtime, parse_route("slack:C0PROMO", min_score=9), "test")
    finally:
        await runtime.database.dispose()
    item = {
        "id": "resp-77",
        "source": "nps-survey",
        "scale": "nps",
        "score": 2,
        "text": "Invoices sent twice to every client this morning; call Dana on +44 20 7946 0958.",
        "customer": {"name": "Dana Reyes", "email": "dana@example.com", "account": "Northwind"},
        "product": "invoices",
    }
    body = json.dumps(item).encode()
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
    assert len(fake.calls_to("chat.postMessage")) == 1
