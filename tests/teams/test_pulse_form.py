"""The new-pulse form through `clueline serve` on Teams: a refused one opens again, filled in as it was."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.support.databases import TEST_SECRET_KEY
from tests.support.fake_teams import FakeTeams
from tests.teams.conftest import eventually, start_server
from tests.teams.shapes import card_submit, personal_message, submit_data

CHAT = "a:1chat-aad-ada"


def _cards(fake: FakeTeams, count: int) -> list[dict[str, Any]]:
    posts = eventually(lambda: len(fake.posts(CHAT)) >= count and fake.posts(CHAT), f"{count} posts")
    return [post.body["attachments"][0]["content"] for post in posts[:count]]


def test_a_refused_pulse_form_in_teams_opens_again_with_what_was_typed(
    tmp_path: Path, database_url: str, fake: FakeTeams
) -> None:
    env = {"CLUELINE_ADMINS": "teams:aad-ada", "CLUELINE_SECRET_KEY": TEST_SECRET_KEY}
    server = start_server(tmp_path, database_url, fake, tokens=True, env=env)
    try:
        server.post(personal_message(fake.url, "pulse new"))
        [form] = _cards(fake, 1)
        typed = {
            **submit_data(form, "Create"),
            "question": "enps",
            "audience": "#general",
            "closes_after": "2d",
        }
        server.post(card_submit(fake.url, "activity-1", typed))
        _, refusal = _cards(fake, 2)
        assert "'#general' is not an audience" in str(refusal)
        server.post(card_submit(fake.url, "activity-2", submit_data(refusal, "Fix it")))
        _, _, again = _cards(fake, 3)
    finally:
        server.stop()
    filled = {
        element["id"]: element.get("value") for element in again["body"] if element["type"] == "Input.Text"
    }
    assert filled["audience"] == "#general" and filled["closes_after"] == "2d" and filled["when"] is None
