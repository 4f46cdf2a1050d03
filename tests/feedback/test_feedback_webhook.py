"""POST /feedback on the whole app: signed, all or nothing, 202 with counts, 400 naming the line, 401, 413."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from adapters.feedback_formats.webhook import signature
from bot.app import RUNTIME, create_app
from bot.core.records import BatchTaken, RecordBatch
from bot.runtime import Runtime
from bot.settings import Settings
from tests.feedback.support import rows

Client = TestClient[web.Request, web.Application]
SECRET = "s3cret-feedback-key"
ITEM = {
    "id": "resp-1041",
    "source": "nps-survey",
    "received_at": "2026-11-20T09:14:00Z",
    "scale": "nps",
    "score": 3,
    "text": "Export to Excel breaks on big reports.",
    "customer": {"name": "Dana Reyes", "email": "dana@example.com", "account": "Northwind"},
    "product": "reports",
    "tags": ["export"],
}


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[Client]:
    app = create_app(dataclasses.replace(settings, feedback_secret=SECRET), run_scheduler=False)
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


def _runtime(client: Client) -> Runtime:
    assert client.app is not None
    return client.app[RUNTIME]


async def _post(
    client: Client,
    body: bytes,
    *,
    secret: str | None = SECRET,
    content_type: str = "application/json",
) -> tuple[int, dict[str, object]]:
    headers = {"Content-Type": content_type}
    if secret is not None:
        headers["X-Clueline-Signature"] = signature(secret, body)
    response = await client.post("/feedback", data=body, headers=headers)
    return response.status, await response.json()


async def test_one_object_is_accepted_with_202_and_counts(client: Client) -> None:
    status, answer = await _post(client, json.dumps(ITEM).encode())
    assert (status, answer) == (202, {"accepted": 1, "duplicates": 0})
    status, answer = await _post(client, json.dumps(ITEM).encode())
    assert (status, answer) == (202, {"accepted": 0, "duplicates": 1})


async def test_an_array_and_json_lines_are_accepted(client: Client) -> None:
    array = json.dumps([ITEM, {**ITEM, "id": "resp-1042"}]).encode()
    assert await _post(client, array) == (202, {"accepted": 2, "duplicates": 0})
    lines = "\n".join(json.dumps({**ITEM, "id": f"resp-2{n}"}) for n in range(3)).encode()
    assert await _post(client, lines, content_type="application/x-ndjson") == (
        202,
        {"accepted": 3, "duplicates": 0},
    )


async def test_a_malformed_line_is_a_400_naming_it_and_nothing_is_stored(
    client: Client,
) -> None:
    good = json.dumps({**ITEM, "id": "ok-1"})
    body = "\n".join([good, json.dumps({**ITEM, "id": "ok-2"}), '{"id": "x", "source": "s", "text": '])
    status, answer = await _post(client, body.encode(), content_type="application/x-ndjson")
    assert status == 400
    assert answer["line"] == 3 and "malformed JSON" in str(answer["error"])
    assert await rows(_runtime(client)) == []


async def test_a_score_outside_its_scale_is_refused_with_the_allowed_range(
    client: Client,
) -> None:
    status, answer = await _post(client, json.dumps({**ITEM, "score": 11}).encode())
    assert status == 400
    assert "0-10" in str(answer["error"]) and answer["line"] == 1


async def test_a_zero_time_beside_good_items_is_a_400_naming_its_line_not_a_503(client: Client) -> None:
    # An exporter's empty date ("zero time") on an angry item from an account: its risk window went before
    # year 1, and the whole batch was answered 503 forever.
    zero = {
        **ITEM,
        "id": "z",
        "score": 0,
        "received_at": "0001-01-01T00:00:00Z",
        "text": "Broken, cancelling",
    }
    body = "\n".join(json.dumps(item) for item in ({**ITEM, "id": "ok-1"}, zero, {**ITEM, "id": "ok-2"}))
    status, answer = await _post(client, body.encode(), content_type="application/x-ndjson")
    assert status == 400 and answer["line"] == 2
    assert "before 1970 (an empty date?)" in str(answer["error"])
    assert await rows(_runtime(client)) == []
    big = json.dumps({**ITEM, "id": "big", "extra": 1.5}).replace("1.5", "1e400")  # a float past Infinity
    status, answer = await _post(client, big.encode())
    assert status == 400 and "too large" in str(answer["error"])


async def test_unknown_fields_are_kept_as_metadata(client: Client) -> None:
    body = json.dumps({**ITEM, "channel": "in-app", "plan": {"tier": "pro"}}).encode()
    assert (await _post(client, body))[0] == 202
    [record] = await rows(_runtime(client))
    assert json.loads(record.extra) == {"channel": "in-app", "plan": {"tier": "pro"}}


async def test_a_bad_or_missing_signature_is_a_401(client: Client) -> None:
    body = json.dumps(ITEM).encode()
    status, answer = await _post(client, body, secret="wrong")
    assert status == 401 and "X-Clueline-Signature" in str(answer["error"])
    status, _ = await _post(client, body, secret=None)
    assert status == 401
    assert await rows(_runtime(client)) == []


async def test_without_a_secret_every_request_is_refused(settings: Settings) -> None:
    app = create_app(settings, run_scheduler=False)
    async with TestClient(TestServer(app)) as client:
        status, answer = await _post(client, json.dumps(ITEM).encode())
    assert status == 401 and "CLUELINE_FEEDBACK_SECRET" in str(answer["error"])


async def test_a_body_over_5_mb_is_a_413(client: Client) -> None:
    padding = "x" * 2000
    lines = [json.dumps({**ITEM, "id": f"r{n}", "text": padding}) for n in range(2700)]
    body = "\n".join(lines).encode()
    assert len(body) > 5 * 1024 * 1024
    status, answer = await _post(client, body, content_type="application/x-ndjson")
    assert status == 413 and "5 MB" in str(answer["error"])
    assert await rows(_runtime(client)) == []


async def test_a_chunked_body_over_5_mb_is_a_413_too(client: Client) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(6):
            yield b" " * (1024 * 1024)

    response = await client.post(
        "/feedback", data=chunks(), headers={"Content-Type": "application/json", "X-Clueline-Signature": "x"}
    )
    assert response.status == 413


async def test_a_signed_body_reaches_the_feature_through_the_dispatcher(client: Client) -> None:
    runtime = _runtime(client)
    seen: list[tuple[str, int]] = []
    # The feature's own handler, as the feedback feature registered it at setup.
    take_feedback = runtime.dispatcher.batch_handler("feedback")

    async def watched(batch: RecordBatch) -> BatchTaken:
        seen.append((batch.kind, len(batch.records)))
        return await take_feedback(batch)

    runtime.dispatcher.batches("feedback", watched)
    status, answer = await _post(client, json.dumps([ITEM, {**ITEM, "id": "resp-1042"}]).encode())
    assert (status, answer) == (202, {"accepted": 2, "duplicates": 0})
    assert seen == [("feedback", 2)]


async def test_an_unsigned_body_never_reaches_the_dispatcher(client: Client) -> None:
    runtime = _runtime(client)
    seen: list[RecordBatch] = []

    async def watched(batch: RecordBatch) -> BatchTaken:
        seen.append(batch)
        return BatchTaken(0, 0)

    runtime.dispatcher.batches("feedback", watched)
    status, _ = await _post(client, json.dumps(ITEM).encode(), secret="not-the-secret")
    assert status == 401 and seen == []
