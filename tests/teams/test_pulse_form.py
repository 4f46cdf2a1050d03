"""The new-pulse form through `clueline serve` on Teams: a refused one opens again, filled in as it was."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli_in_process import clueline_here
from tests.support.databases import TEST_SECRET_KEY
from tests.support.fake_teams import FakeTeams
from tests.teams.conftest import Server, eventually, start_server
from tests.teams.shapes import card_submit, personal_message, submit_data

CHAT = "a:1chat-aad-ada"


def _cards(fake: FakeTeams, count: int) -> list[dict[str, Any]]:
    posts = eventually(lambda: len(fake.posts(CHAT)) >= count and fake.posts(CHAT), f"{count} posts")
    return [post.body["attachments"][0]["content"] for post in posts[:count]]


@pytest.fixture
def lead_serve(tmp_path: Path, database_url: str, fake: FakeTeams) -> Iterator[Server]:
    """`clueline serve` on Teams, where aad-ada (the sender of `personal_message`) is a comms lead."""
    env = {"CLUELINE_ADMINS": "teams:aad-ada", "CLUELINE_SECRET_KEY": TEST_SECRET_KEY}
    server = start_server(tmp_path, database_url, fake, tokens=True, env=env)
    yield server
    server.stop()


def test_a_refused_pulse_form_in_teams_opens_again_with_what_was_typed(
    lead_serve: Server, fake: FakeTeams
) -> None:
    lead_serve.post(personal_message(fake.url, "pulse new"))
    [form] = _cards(fake, 1)
    typed = {
        **submit_data(form, "Create"),
        "question": "enps",
        "audience": "#general",
        "closes_after": "2d",
    }
    lead_serve.post(card_submit(fake.url, "activity-1", typed))
    _, refusal = _cards(fake, 2)
    assert "'#general' is not an audience" in str(refusal)
    lead_serve.post(card_submit(fake.url, "activity-2", submit_data(refusal, "Fix it")))
    _, _, again = _cards(fake, 3)
    filled = {
        element["id"]: element.get("value") for element in again["body"] if element["type"] == "Input.Text"
    }
    assert filled["audience"] == "#general" and filled["closes_after"] == "2d" and filled["when"] is None


ANA, BEN = "6f1c2a3b-0d4e-4f5a-8b6c-7d8e9f0a1b2c", "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"


def test_people_picked_in_teams_are_the_pulse_audience_and_a_refused_form_keeps_them(
    lead_serve: Server, fake: FakeTeams, database_url: str
) -> None:
    lead_serve.post(personal_message(fake.url, "pulse new"))
    [form] = _cards(fake, 1)
    [picker] = [element for element in form["body"] if element.get("id") == "audience.people"]
    assert picker["choices.data"] == {"type": "Data.Query", "dataset": "graph.microsoft.com/users"}
    assert picker["isMultiSelect"] is True
    # Teams submits the picked people's object ids, comma-separated; nothing typed beside them.
    picked = {**submit_data(form, "Create"), "question": "enps", "audience.people": f"{ANA},{BEN}"}
    lead_serve.post(card_submit(fake.url, "activity-1", {**picked, "closes_after": "soon"}))
    _, refusal = _cards(fake, 2)
    assert "closes" in str(refusal).lower()
    lead_serve.post(card_submit(fake.url, "activity-2", submit_data(refusal, "Fix it")))
    _, _, again = _cards(fake, 3)
    [kept] = [element for element in again["body"] if element.get("id") == "audience.people"]
    assert kept["value"] == f"{ANA},{BEN}"
    lead_serve.post(
        card_submit(fake.url, "activity-3", {**picked, "audience": "teams:19:sales@thread.tacv2"})
    )
    created = eventually(lambda: len(fake.posts(CHAT)) >= 4 and fake.posts(CHAT)[3], "the pulse created")
    assert "Pulse #1 created" in created.text, created.text
    # Each picked person is asked in a chat the bot opens with them.
    for person in (ANA, BEN):
        invitation = eventually(lambda p=person: fake.posts(f"a:1dm-{p}"), "the invitation")[0]
        assert "refer a friend" in invitation.text
    listed = clueline_here({"DATABASE_URL": database_url}, "pulse", "list", "--json")
    assert json.loads(listed.stdout)[0]["audience"] == [
        "teams:19:sales@thread.tacv2",
        f"teams:{ANA}",
        f"teams:{BEN}",
    ]
