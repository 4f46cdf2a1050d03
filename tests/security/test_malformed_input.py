"""One plain case per finding of issue 14: malformed input gets a 4xx, logged as one line, nothing stored."""

from __future__ import annotations

import json
from typing import Any

import pytest

from adapters.feedback_formats.webhook import signature
from tests.security.conftest import FEEDBACK_SECRET, Target
from tests.slack.payloads import event_body, signed_headers
from tests.teams.shapes import personal_message

GOOD_ITEM = {"id": "ok-1", "source": "nps-survey", "text": "Exports are slow.", "scale": "nps", "score": 6}


def post_slack(target: Target, body: bytes, headers: dict[str, Any]) -> int:
    response = target.session.post(f"{target.url}/slack/events", data=body, headers=headers, timeout=30)
    return response.status_code


def post_feedback(target: Target, body: bytes) -> tuple[int, dict[str, Any]]:
    headers = {"Content-Type": "application/json", "X-Clueline-Signature": signature(FEEDBACK_SECRET, body)}
    response = target.session.post(f"{target.url}/feedback", data=body, headers=headers, timeout=30)
    return response.status_code, response.json()


def test_a_non_utf8_body_without_a_signature_is_refused_with_400(target: Target) -> None:
    status = post_slack(
        target, b'{"type": "event_callback", "x": "\xff\xfe"}', {"Content-Type": "application/json"}
    )
    assert status == 400


def test_a_non_ascii_signature_header_is_refused_with_401(target: Target) -> None:
    body = event_body({"type": "app_mention", "text": "hi"}, "Ev-sig")
    headers = signed_headers(body, content_type="application/json")
    headers["X-Slack-Signature"] = "v0=Ã©".encode()  # type: ignore[assignment]  # raw bytes on the wire
    assert post_slack(target, body.encode(), headers) == 401


def test_a_refusal_is_one_warning_line_without_a_traceback(target: Target) -> None:
    post_slack(target, b"\xc3\x28 not utf-8 secret-in-body", {"Content-Type": "application/json"})
    output = target.server.output()
    assert "refused POST /slack/events: 400 the body is not UTF-8 text" in output
    assert "Traceback" not in output
    assert "secret-in-body" not in output


def test_deeply_nested_json_to_api_messages_is_refused_with_400(target: Target) -> None:
    activity = personal_message(target.teams.url, "help")
    text = json.dumps(activity)[:-1] + ', "value": ' + "[" * 100_000 + "]" * 100_000 + "}"
    response = target.session.post(
        f"{target.url}/api/messages",
        data=text.encode(),
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {target.teams.token(target.teams.url)}",
        },
        timeout=30,
    )
    assert response.status_code == 400


def test_a_lone_surrogate_in_an_authenticated_activity_is_refused_with_400(target: Target) -> None:
    # Valid JSON ("\\ud800") but no text: hashing the activity's id for dedupe raised, and the route answered 500.
    activity = {**personal_message(target.teams.url, "help"), "id": "\ud800"}
    response = target.session.post(
        f"{target.url}/api/messages",
        data=json.dumps(activity).encode(),
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {target.teams.token(target.teams.url)}",
        },
        timeout=30,
    )
    assert response.status_code == 400
    assert "lone UTF-16 surrogate" in target.server.output()


WRONG_SHAPES = {
    "an event that is a list": (
        "application/json",
        json.dumps({"type": "event_callback", "team_id": "T0001", "event": ["type"]}),
    ),
    "a team id that is a number": (
        "application/json",
        json.dumps({"type": "event_callback", "team_id": 7, "event": {"type": "app_mention"}}),
    ),
    "block actions that are a string": (
        "application/x-www-form-urlencoded",
        "payload=" + json.dumps({"type": "block_actions", "team": {"id": "T0001"}, "actions": "x"}),
    ),
    "a view that is a string": (
        "application/x-www-form-urlencoded",
        "payload=" + json.dumps({"type": "view_submission", "team": {"id": "T0001"}, "view": "v"}),
    ),
    "a payload that is a list": ("application/x-www-form-urlencoded", "payload=" + json.dumps([1, 2])),
    "a view without its type": (
        "application/x-www-form-urlencoded",
        "payload="
        + json.dumps(
            {
                "type": "view_submission",
                "team": {"id": "T0001"},
                "user": {"id": "U0001"},
                "view": {"id": "V1", "callback_id": "pulse_answer", "state": {"values": {}}},
            }
        ),
    ),
}


@pytest.mark.parametrize("content_type, body", list(WRONG_SHAPES.values()), ids=list(WRONG_SHAPES))
def test_a_wrong_shaped_signed_slack_payload_is_refused_with_400(
    target: Target, content_type: str, body: str
) -> None:
    assert post_slack(target, body.encode(), signed_headers(body, content_type=content_type)) == 400


def test_a_huge_integer_in_feedback_is_refused_with_400_and_nothing_is_stored(target: Target) -> None:
    before = target.feedback_rows()
    body = f'[{json.dumps(GOOD_ITEM)},\n{{"id": "big", "source": "s", "text": "t", "n": {"9" * 5000}}}]'
    status, answer = post_feedback(target, body.encode())
    assert status == 400 and answer["line"] == 2 and "digits" in str(answer["error"])
    assert target.feedback_rows() == before


@pytest.mark.parametrize("received_at", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:00:00-05:00"])
def test_a_received_at_out_of_range_in_utc_is_refused_with_400(target: Target, received_at: str) -> None:
    before = target.feedback_rows()
    bad = {**GOOD_ITEM, "id": "late", "received_at": received_at}
    status, answer = post_feedback(target, f"{json.dumps(GOOD_ITEM)}\n{json.dumps(bad)}".encode())
    assert status == 400 and answer["line"] == 2 and "received_at" in str(answer["error"])
    assert target.feedback_rows() == before


@pytest.mark.parametrize("path", ["/slack/events", "/api/messages"])
@pytest.mark.parametrize("chunked", [False, True], ids=["with-length", "chunked"])
def test_a_body_over_a_megabyte_is_refused_with_413(target: Target, path: str, chunked: bool) -> None:
    body = b'{"type": "message", "text": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    data: Any = iter([body[i : i + 65536] for i in range(0, len(body), 65536)]) if chunked else body
    headers = {"Content-Type": "application/json"}
    if path == "/api/messages":  # its door reads no body without a valid token
        headers["Authorization"] = f"Bearer {target.teams.token(target.teams.url)}"
    response = target.session.post(f"{target.url}{path}", data=data, headers=headers, timeout=30)
    assert response.status_code == 413


@pytest.mark.parametrize(
    ("field", "item"),
    [
        ("product", {"product": "p" * 100_000}),
        ("customer.account", {"customer": {"account": "a" * 1000}}),
    ],
)
def test_a_label_longer_than_320_characters_is_refused_with_400(
    target: Target, field: str, item: dict[str, Any]
) -> None:
    before = target.feedback_rows()
    long = {**GOOD_ITEM, "id": f"long-{field}", **item}
    status, answer = post_feedback(target, f"{json.dumps(GOOD_ITEM)}\n{json.dumps(long)}".encode())
    assert status == 400 and answer["line"] == 2 and f"{field} is longer than 320" in str(answer["error"])
    assert target.feedback_rows() == before
