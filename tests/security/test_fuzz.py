"""Every public route fuzzed: no 5xx, nothing stored from a refused feedback request, no call to an
address a request supplied. Fixed example budgets, derandomized, so the run is the same every time."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import parse_qsl, urlencode

import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.feedback_formats.webhook import signature
from tests.security.conftest import FEEDBACK_SECRET, Target, tally
from tests.security.mutate import header_bytes, json_text, mutated
from tests.slack import payloads as p
from tests.teams import shapes

FUZZ = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)
SMALL = settings(FUZZ, max_examples=60)


def send(target: Target, method: str, path: str, **kwargs: Any) -> int:
    """One request, counted; fails the test on a 5xx."""
    response = target.session.request(method, f"{target.url}{path}", timeout=30, **kwargs)
    status = tally(response.status_code)
    target.refused += 400 <= status < 500
    assert status < 500, f"{method} {path} answered {status}: {response.text[:200]}"
    return status


def slack_payloads(attacker_url: str) -> list[tuple[str, Any]]:
    """(content type, payload) of each kind Slack posts, with the attacker's URL where Slack puts URLs."""
    block = p.block_actions(p.button("feedback_helpful", "1"))
    block["response_url"] = attacker_url
    view = p.view_submission("pulse_answer", {"b": {"a": {"type": "plain_text_input", "value": "x"}}})
    view["response_urls"] = [
        {"response_url": attacker_url, "block_id": "b", "action_id": "a", "channel_id": "C1"}
    ]
    command = dict(parse_qsl(p.slash_command("help")))
    command["response_url"] = attacker_url
    return [
        ("application/json", json.loads(p.event_body(p.direct_message("help"), "Ev-fuzz"))),
        ("application/json", json.loads(p.event_body(p.app_mention("<@UBOT> help"), "Ev-fuzz-2"))),
        ("application/json", json.loads(p.url_verification("challenge-1"))),
        ("application/x-www-form-urlencoded", block),
        ("application/x-www-form-urlencoded", view),
        ("application/x-www-form-urlencoded", {"form": command}),
    ]


def _slack_body(content_type: str, payload: Any, text: str) -> str:
    if content_type == "application/json":
        return text
    if isinstance(payload, dict) and isinstance(payload.get("form"), dict):
        form = {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in payload["form"].items()}
        return urlencode(form, errors="replace")
    return "payload=" + requests.utils.quote(text)


def test_unsigned_slack_requests_are_refused(target: Target) -> None:
    @FUZZ
    @given(body=st.binary(max_size=300), timestamp=header_bytes, sig=header_bytes, long=st.booleans())
    def unsigned(body: bytes, timestamp: bytes, sig: bytes, long: bool) -> None:
        headers = {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": sig * (200 if long else 1)}
        assert 400 <= send(target, "POST", "/slack/events", data=body, headers=headers) < 500

    unsigned()


def test_signed_slack_payloads_of_any_shape_get_no_5xx(target: Target) -> None:
    kinds = slack_payloads(target.attacker.url)

    @FUZZ
    @given(data=st.data(), kind=st.sampled_from(kinds))
    def signed(data: st.DataObject, kind: tuple[str, Any]) -> None:
        content_type, base = kind
        payload = data.draw(mutated(base))
        body = _slack_body(content_type, payload, data.draw(json_text(payload)))
        headers = p.signed_headers(body, content_type=content_type, timestamp=int(time.time()))
        send(target, "POST", "/slack/events", data=body.encode(), headers=headers)

    signed()


def test_teams_activities_of_any_shape_get_no_5xx(target: Target) -> None:
    teams = target.teams
    token = teams.token(teams.url)
    bases = [
        shapes.personal_message(teams.url, "help"),
        shapes.channel_mention(teams.url, "help"),
        shapes.bot_added_to_team(teams.url),
        {**shapes.personal_message(teams.url, "help"), "serviceUrl": target.attacker.url},
    ]

    @FUZZ
    @given(
        data=st.data(), base=st.sampled_from(bases), authorization=st.sampled_from(["good", "none", "junk"])
    )
    def activity(data: st.DataObject, base: dict[str, Any], authorization: str) -> None:
        payload = data.draw(mutated(base))
        body = data.draw(json_text(payload))
        headers: dict[str, Any] = {"Content-Type": "application/json"}
        if authorization == "good":
            headers["Authorization"] = f"Bearer {token}"
        elif authorization == "junk":
            headers["Authorization"] = b"Bearer " + data.draw(header_bytes)
        send(target, "POST", "/api/messages", data=body.encode(), headers=headers)

    activity()


def test_feedback_of_any_shape_gets_no_5xx_and_refusals_store_nothing(target: Target) -> None:
    item = {
        "id": "fz-1",
        "source": "fuzz",
        "received_at": "2026-11-20T09:14:00Z",
        "scale": "nps",
        "score": 3,
        "text": "Export breaks.",
        "customer": {"name": "Dana", "email": "dana@example.com", "account": "Northwind"},
        "product": "reports",
        "tags": ["export"],
    }

    @FUZZ
    @given(data=st.data(), layout=st.sampled_from(["object", "array", "lines"]))
    def feedback(data: st.DataObject, layout: str) -> None:
        # Good items around one mutated item: an earlier bad item would hide what a later one does.
        items: list[Any] = [{**item, "id": f"fz-{n}"} for n in range(data.draw(st.integers(1, 3)))]
        bad = data.draw(st.integers(0, len(items) - 1))
        items[bad] = data.draw(mutated(items[bad]))
        texts = [data.draw(json_text(one)) for one in items]
        body = {"object": texts[0], "array": "[" + ",\n".join(texts) + "]", "lines": "\n".join(texts)}[layout]
        raw = body.encode("utf-8", "surrogatepass")
        before = target.feedback_rows()
        status = send(
            target,
            "POST",
            "/feedback",
            data=raw,
            headers={
                "Content-Type": "application/json",
                "X-Clueline-Signature": signature(FEEDBACK_SECRET, raw),
            },
        )
        if status >= 400:
            assert target.feedback_rows() == before

    feedback()


def test_feedback_bodies_of_any_bytes_get_no_5xx(target: Target) -> None:
    @SMALL
    @given(body=st.binary(max_size=300), signed=st.booleans())
    def raw(body: bytes, signed: bool) -> None:
        sig = signature(FEEDBACK_SECRET, body) if signed else "sha256=00"
        send(target, "POST", "/feedback", data=body, headers={"X-Clueline-Signature": sig})

    raw()


def test_oauth_pages_get_no_5xx(oauth_target: Target) -> None:
    @SMALL
    @given(
        path=st.sampled_from(["/slack/install", "/slack/oauth_redirect"]),
        query=st.dictionaries(
            st.sampled_from(["code", "state", "error", "x"]), st.text(max_size=30), max_size=3
        ),
        body=st.binary(max_size=50),
    )
    def oauth(path: str, query: dict[str, str], body: bytes) -> None:
        send(oauth_target, "GET", path, params=query, data=body or None, allow_redirects=False)

    oauth()


def test_health_and_metrics_get_no_5xx(target: Target) -> None:
    @SMALL
    @given(
        path=st.sampled_from(["/healthz", "/metrics"]),
        query=st.text(max_size=30),
        body=st.binary(max_size=50),
    )
    def plain(path: str, query: str, body: bytes) -> None:
        send(target, "GET", path, params={"q": query}, data=body or None)

    plain()


def test_no_request_made_the_server_call_an_address_it_supplied(target: Target) -> None:
    time.sleep(1.0)  # background work of the last accepted requests
    assert target.attacker.hits == []


def test_each_refusal_was_logged_as_one_warning_line_without_a_traceback(target: Target) -> None:
    # Background work of accepted requests may log its own failures; handling a request never does.
    assert "Error handling request" not in target.server.output()
    lines = target.refusal_lines()
    assert target.refused > 0 and len(lines) == target.refused
    assert all(" WARNING " in line for line in lines)
