"""Cards out, presses back in: Action.Submit messages and adaptiveCard/action invokes become ActionEvents,
and the pressed card is replaced so it cannot be answered twice."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.fake_teams import FakeTeams
from tests.teams.conftest import Server, eventually, start_server
from tests.teams.shapes import card_action_invoke, card_submit, personal_message

CARD = "application/vnd.microsoft.card.adaptive"


@pytest.fixture
def probe(tmp_path: Path, database_url: str, fake: FakeTeams) -> Iterator[Server]:
    """`clueline serve` with test-only `probe` handlers registered."""
    server = start_server(
        tmp_path,
        database_url,
        fake,
        tokens=True,
        module="tests.teams.probe_server",
        env={"CLUELINE_TEAMS_PROBE_LOG": str(tmp_path / "probe.jsonl")},
    )
    yield server
    server.stop()


def probe_events(tmp_path: Path) -> list[dict[str, Any]]:
    log = tmp_path / "probe.jsonl"
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def card_of(fake: FakeTeams, conversation: str) -> tuple[str, dict[str, Any]]:
    """The activity id the fake gave the bot's card, and the card."""
    post = eventually(lambda: fake.posts(conversation), "the card")[0]
    attachment = post.body["attachments"][0]
    assert attachment["contentType"] == CARD
    return "activity-1", attachment["content"]


def submit_data(card: dict[str, Any], title: str) -> dict[str, Any]:
    for element in card["body"]:
        for action in element.get("actions", []):
            if action["title"] == title:
                data: dict[str, Any] = action["data"]
                return data
    raise AssertionError(f"no {title!r} button on the card")


def test_an_action_submit_becomes_an_action_and_the_card_is_replaced(
    probe: Server, fake: FakeTeams, tmp_path: Path
) -> None:
    probe.post(personal_message(fake.url, "probe"))
    card_id, card = card_of(fake, "a:1chat-aad-ada")
    assert card["version"] == "1.5"
    pressed = card_submit(fake.url, card_id, submit_data(card, "Yes"))
    assert probe.post(pressed).status_code == 200
    event = eventually(lambda: probe_events(tmp_path), "the action event")[0]
    assert (event["action_id"], event["value"], event["source"]) == ("probe:vote", "yes", "card_submit")
    assert event["message_id"] == card_id
    assert event["user"]["user_id"] == "aad-ada"
    update = eventually(lambda: fake.of("PUT"), "the card update")[0]
    assert update.path == f"/v3/conversations/a:1chat-aad-ada/activities/{card_id}"
    assert "Thanks, recorded" in update.text


def test_a_choice_is_submitted_with_the_picked_option(probe: Server, fake: FakeTeams, tmp_path: Path) -> None:
    probe.post(personal_message(fake.url, "probe"))
    card_id, card = card_of(fake, "a:1chat-aad-ada")
    data = {**submit_data(card, "Send"), "probe:pick": "b"}
    probe.post(card_submit(fake.url, card_id, data))
    event = eventually(lambda: probe_events(tmp_path), "the choice event")[0]
    assert (event["action_id"], event["value"], event["source"]) == ("probe:pick", "b", "choice")


def test_an_adaptive_card_invoke_is_answered_at_once_and_becomes_an_action(
    probe: Server, fake: FakeTeams, tmp_path: Path
) -> None:
    invoke = card_action_invoke(fake.url, "activity-9", {"action_id": "probe:vote", "value": "no"})
    response = probe.post(invoke)
    assert response.status_code == 200
    assert response.json()["statusCode"] == 200
    event = eventually(lambda: probe_events(tmp_path), "the invoke's action event")[0]
    assert (event["action_id"], event["value"]) == ("probe:vote", "no")
    assert eventually(lambda: fake.of("PUT"), "the card update")[0].path.endswith("/activities/activity-9")


def test_a_redelivered_card_press_counts_once(probe: Server, fake: FakeTeams, tmp_path: Path) -> None:
    pressed = card_submit(fake.url, "activity-5", {"action_id": "probe:vote", "value": "yes"})
    probe.post(pressed)
    probe.post(pressed)
    eventually(lambda: probe_events(tmp_path), "the action event")
    probe.post(card_submit(fake.url, "activity-6", {"action_id": "probe:vote", "value": "no"}))
    eventually(lambda: len(probe_events(tmp_path)) == 2, "the second press")
    assert [event["value"] for event in probe_events(tmp_path)] == ["yes", "no"]


def test_a_form_is_a_card_whose_submit_comes_back_as_a_form_submit(
    probe: Server, fake: FakeTeams, tmp_path: Path
) -> None:
    probe.post(personal_message(fake.url, "probeform"))
    card_id, card = card_of(fake, "a:1chat-aad-ada")
    assert any(element["type"] == "Input.Text" and element["id"] == "why" for element in card["body"])
    data = {**submit_data(card, "Submit"), "why": "Because"}
    probe.post(card_submit(fake.url, card_id, data))
    event = eventually(lambda: probe_events(tmp_path), "the form submit")[0]
    assert (event["action_id"], event["source"]) == ("probe:form", "form_submit")
    assert event["form_values"] == {"why": "Because", "private_metadata": "pulse-7"}
