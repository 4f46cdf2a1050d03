"""A message queued by one instance is sent by another through the connector its tenant came from."""

from __future__ import annotations

from pathlib import Path

from bot.core.types import UserRef
from tests.support.fake_teams import TENANT, FakeTeams
from tests.teams.conftest import eventually, free_port, start_server
from tests.teams.queueing import enqueue, team_channel


def test_a_dm_sent_by_another_instance_goes_through_the_connector_the_tenant_came_from(
    tmp_path: Path, fake: FakeTeams, database_url: str
) -> None:
    # Nothing listens at the configured default: only the tenant's own connector can deliver.
    settings = {"CLUELINE_TEAMS_SERVICE_URL": f"http://127.0.0.1:{free_port()}/teams/"}
    first = start_server(tmp_path, database_url, fake, tokens=True, env=settings)
    try:
        team_channel(first, fake, database_url)
    finally:
        first.stop()
    second = start_server(tmp_path, database_url, fake, tokens=True, env=settings)
    try:
        person = UserRef(platform="teams", workspace=TENANT, user_id="aad-elsewhere")
        enqueue(database_url, ["How likely are you to recommend us?"], recipient=person)
        post = eventually(lambda: fake.posts("a:1dm-aad-elsewhere"), "the DM through the tenant's connector")[
            0
        ]
    finally:
        second.stop()
    assert post.body["text"] == "How likely are you to recommend us?"
    assert [call.path for call in fake.of("POST")].count("/v3/conversations") == 1
