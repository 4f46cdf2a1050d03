"""A bot registered with a user-assigned managed identity: inbound tokens checked as for any bot, and replies
signed with the token the identity endpoint gives (Azure App Service's, here the fake's)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import databases
from tests.support.fake_teams import APP_ID, MSI_HEADER, MSI_TOKEN, TENANT, FakeTeams
from tests.teams.conftest import Server, eventually, start_server
from tests.teams.shapes import personal_message


@pytest.fixture
def managed(tmp_path: Path, sqlite_template: Path, fake: FakeTeams) -> Iterator[Server]:
    env = {
        "MICROSOFT_APP_ID": APP_ID,
        "MICROSOFT_APP_TYPE": "UserAssignedMSI",
        "MICROSOFT_APP_TENANT_ID": TENANT,
        "IDENTITY_ENDPOINT": fake.identity_endpoint,
        "IDENTITY_HEADER": MSI_HEADER,
    }
    server = start_server(tmp_path, databases.copy_sqlite(sqlite_template, tmp_path), fake, env=env)
    yield server
    server.stop()


def test_a_managed_identity_bot_replies_with_the_identitys_token(managed: Server, fake: FakeTeams) -> None:
    response = managed.post(personal_message(fake.url, "help", aad="aad-msi"), fake.token(fake.url))
    assert response.status_code == 200
    reply = eventually(lambda: fake.posts("a:1chat-aad-msi"), "the help reply")[0]
    assert reply.authorization == f"Bearer {MSI_TOKEN}"
    assert fake.identity_requests[0]["client_id"] == APP_ID
    assert fake.token_requests == []  # no password, so no client-credentials grant


def test_a_managed_identity_bot_still_refuses_forged_tokens(managed: Server, fake: FakeTeams) -> None:
    forged = fake.token(fake.url, forged=True)
    assert managed.post(personal_message(fake.url, "help", aad="aad-forger"), forged).status_code == 401
    assert managed.post(personal_message(fake.url, "help", aad="aad-forger")).status_code == 401
