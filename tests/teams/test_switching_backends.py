"""Switching CLUELINE_TEAMS_BACKEND on a running deployment: what one backend stored, the other sends to."""

from __future__ import annotations

from pathlib import Path

from adapters.teams import TEAMS_BACKENDS
from bot.core.types import UserRef
from tests.support import databases
from tests.support.fake_teams import TENANT, FakeTeams
from tests.teams.conftest import eventually, start_server
from tests.teams.queueing import enqueue, stored
from tests.teams.shapes import CHANNEL, bot_added_to_team, personal_message


def test_references_stored_on_the_other_backend_still_reach_their_conversations(
    tmp_path: Path, sqlite_template: Path, fake: FakeTeams, teams_backend: str
) -> None:
    before = next(backend for backend in TEAMS_BACKENDS if backend != teams_backend)
    database = databases.copy_sqlite(sqlite_template, tmp_path)
    first = start_server(tmp_path, database, fake, tokens=True, env={"CLUELINE_TEAMS_BACKEND": before})
    try:
        first.post(bot_added_to_team(fake.url))
        first.post(personal_message(fake.url, "help", aad="aad-switch"))
        channel = eventually(lambda: stored(database, CHANNEL), "the team channel's reference")
        eventually(lambda: fake.posts("a:1chat-aad-switch"), "the reply in the personal chat")
    finally:
        first.stop()
    assert f"Teams on the {before} backend" in first.output()

    second = start_server(tmp_path, database, fake, tokens=True)
    try:
        enqueue(database, ["A highlight after the switch"], conversation=channel)
        person = UserRef(platform="teams", workspace=TENANT, user_id="aad-switch")
        enqueue(database, ["A pulse after the switch"], recipient=person)
        highlight = eventually(
            lambda: [p for p in fake.posts(CHANNEL) if "after the switch" in p.text], "the highlight"
        )
        direct = eventually(
            lambda: [p for p in fake.posts("a:1chat-aad-switch") if "after the switch" in p.text], "the DM"
        )
    finally:
        second.stop()
    assert f"Teams on the {teams_backend} backend" in second.output()
    assert len(highlight) == 1 and len(direct) == 1
    # The stored 1:1 chat was reused: no conversation was created for the person.
    assert [call.path for call in fake.of("POST")].count("/v3/conversations") == 0
