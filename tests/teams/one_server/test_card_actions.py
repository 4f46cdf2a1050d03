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
from tests.teams.shapes import card_action_invoke, card_submit, personal_message, submit_data

CARD = "application/vnd.microsoft.card.adaptive"


@pytest.fixture(scope="module")
def probe_log(tmp_path_factory: pytest.TempPathFactory, teams_backend: str, module_database_url: str) -> Path:
    """Where the probe server writes the events its handlers saw (one per backend and database, as the server)."""
    del module_database_url  # taken only so that each database's server has a log of its own
    return tmp_path_factory.mktemp(f"probe-{teams_backend}") / "probe.jsonl"


@pytest.fixture(scope="module")
def shared_probe(probe_log: Path, module_database_url: str, module_fake: FakeTeams) -> Iterator[Server]:
    """`clueline serve` with test-only `probe` handlers registered, for the module's tests on this backend."""
    server = start_server(
        probe_log.parent,
        module_database_url,
        module_fake,
        tokens=True,
        module="tests.teams.probe_server",
        env={"CLUELINE_TEAMS_PROBE_LOG": str(probe_log)},
    )
    yield server
    server.stop()


@pytest.fixture
def probe(shared_probe: Server, fake: FakeTeams, probe_log: Path) -> Server:
    """The probe server, its log holding only this test's events."""
    probe_log.unlink(missing_ok=True)  # the server opens it for each line it appends
    return shared_probe


def probe_events(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def card_of(fake: FakeTeams, conversation: str) -> tuple[str, dict[str, Any]]:
    """The activity id the fake gave the bot's card, and the card."""
    post = eventually(lambda: fake.posts(conversation), "the card")[0]
    attachment = post.body["attachments"][0]
    assert attachment["contentType"] == CARD
    assert post.answered_id is not None
    return post.answered_id, attachment["content"]


def updates_of(fake: FakeTeams, message_id: str) -> list[Any]:
    """The bot's replacements of one message (a press of an earlier test may still replace its own card)."""
    return [call for call in fake.of("PUT") if call.path.endswith(f"/activities/{message_id}")]


def test_an_action_submit_becomes_an_action_and_the_card_is_replaced(
    probe: Server, fake: FakeTeams, probe_log: Path
) -> None:
    probe.post(personal_message(fake.url, "probe"))
    card_id, card = card_of(fake, "a:1chat-aad-ada")
    assert card["version"] == "1.5"
    pressed = card_submit(fake.url, card_id, submit_data(card, "Yes"))
    assert probe.post(pressed).status_code == 200
    event = eventually(lambda: probe_events(probe_log), "the action event")[0]
    assert (event["action_id"], event["value"], event["source"]) == ("probe:vote", "yes", "card_submit")
    assert event["message_id"] == card_id
    assert event["user"]["user_id"] == "aad-ada"
    update = eventually(lambda: updates_of(fake, card_id), "the card update")[0]
    assert update.path == f"/v3/conversations/a:1chat-aad-ada/activities/{card_id}"
    assert "Thanks, recorded" in update.text


def test_a_choice_is_submitted_with_the_picked_option(
    probe: Server, fake: FakeTeams, probe_log: Path
) -> None:
    probe.post(personal_message(fake.url, "probe"))
    card_id, card = card_of(fake, "a:1chat-aad-ada")
    data = {**submit_data(card, "Send"), "probe:pick": "b"}
    probe.post(card_submit(fake.url, card_id, data))
    event = eventually(lambda: probe_events(probe_log), "the choice event")[0]
    assert (event["action_id"], event["value"], event["source"]) == ("probe:pick", "b", "choice")


def test_an_adaptive_card_invoke_is_answered_at_once_and_becomes_an_action(
    probe: Server, fake: FakeTeams, probe_log: Path
) -> None:
    invoke = card_action_invoke(fake.url, "activity-9", {"action_id": "probe:vote", "value": "no"})
    response = probe.post(invoke)
    assert response.status_code == 200
    assert response.json()["statusCode"] == 200
    event = eventually(lambda: probe_events(probe_log), "the invoke's action event")[0]
    assert (event["action_id"], event["value"]) == ("probe:vote", "no")
    eventually(lambda: updates_of(fake, "activity-9"), "the card update")


def test_a_redelivered_card_press_counts_once(probe: Server, fake: FakeTeams, probe_log: Path) -> None:
    pressed = card_submit(fake.url, "activity-5", {"action_id": "probe:vote", "value": "yes"})
    probe.post(pressed)
    probe.post(pressed)
    eventually(lambda: probe_events(probe_log), "the action event")
    probe.post(card_submit(fake.url, "activity-6", {"action_id": "probe:vote", "value": "no"}))
    eventually(lambda: len(probe_events(probe_log)) == 2, "the second press")
    assert [event["value"] for event in probe_events(probe_log)] == ["yes", "no"]


def test_a_form_is_a_card_whose_submit_comes_back_as_a_form_submit(
    probe: Server, fake: FakeTeams, probe_log: Path
) -> None:
    probe.post(personal_message(fake.url, "probeform"))
    card_id, card = card_of(fake, "a:1chat-aad-ada")
    assert any(element["type"] == "Input.Text" and element["id"] == "why" for element in card["body"])
    data = {**submit_data(card, "Submit"), "why": "Because"}
    probe.post(card_submit(fake.url, card_id, data))
    event = eventually(lambda: probe_events(probe_log), "the form submit")[0]
    assert (event["action_id"], event["source"]) == ("probe:form", "form_submit")
    assert event["form_values"] == {"why": "Because", "private_metadata": "pulse-7"}
