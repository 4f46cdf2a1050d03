"""Who may reach `POST /api/messages`: nobody without an app id, unless local testing is asked for explicitly,
and no caller ever chooses where the bot's replies go."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.support import databases
from tests.support.cli_exit import clueline_exit, refusal_line
from tests.support.fake_teams import APP_ID, FakeTeams
from tests.teams.conftest import Server, eventually, start_server
from tests.teams.shapes import personal_message

LOCAL_MODE_WARNING = "WITHOUT a token check"
OTHER_TENANT = "0badc0de-0000-4000-8000-00000000beef"


@pytest.fixture
def stranger() -> Iterator[FakeTeams]:
    """A connector at a URL an outsider picked: whatever reaches it was sent where a caller told us."""
    service = FakeTeams().start()
    yield service
    service.stop()


def quiet_for_a_moment(*services: FakeTeams) -> bool:
    """True when none of the services was called within a second (the bot replies well within that)."""
    time.sleep(1.0)
    return all(service.calls == [] for service in services)


def test_forged_activity_is_refused_without_app_id(
    tmp_path: Path, sqlite_template: Path, fake: FakeTeams
) -> None:
    server = start_server(tmp_path, databases.copy_sqlite(sqlite_template, tmp_path), fake)
    try:
        response = server.post(personal_message(fake.url, "highlights", aad="aad-outsider"))
        assert response.status_code == 404
        assert quiet_for_a_moment(fake)
    finally:
        server.stop()


def test_local_mode_replies_only_to_the_configured_service_url(
    tmp_path: Path, sqlite_template: Path, fake: FakeTeams, stranger: FakeTeams
) -> None:
    # CLUELINE_TEAMS_SERVICE_URL is `fake`; the activity names the stranger's URL.
    server = start_server(
        tmp_path,
        databases.copy_sqlite(sqlite_template, tmp_path),
        fake,
        env={"CLUELINE_TEAMS_UNAUTHENTICATED": "1"},
    )
    try:
        started = server.output()
        assert LOCAL_MODE_WARNING not in started
        assert "CLUELINE_TEAMS_UNAUTHENTICATED=1" in started  # warned at start
        response = server.post(personal_message(stranger.url, "help", aad="aad-local-tester"))
        assert response.status_code == 200
        reply = eventually(lambda: fake.posts("a:1chat-aad-local-tester"), "the reply at the configured URL")
        assert "Clueline" in reply[0].text
        assert stranger.calls == []
    finally:
        server.stop()
    warnings = [line for line in server.output().splitlines() if LOCAL_MODE_WARNING in line]
    assert len(warnings) == 1  # one per accepted request
    assert not any(secret in warnings[0] for secret in ("aad-local-tester", "help", stranger.url))


def test_a_token_whose_serviceurl_claim_differs_from_the_activity_is_refused(
    authenticated: Server, module_fake: FakeTeams, stranger: FakeTeams
) -> None:
    # A genuine token (Teams' own connector in its claim), replayed with the stranger's URL in the activity.
    genuine = module_fake.token(module_fake.url)
    activity = personal_message(stranger.url, "help", aad="aad-replayed")
    assert authenticated.post(activity, genuine).status_code == 401
    assert quiet_for_a_moment(stranger)
    assert module_fake.posts("a:1chat-aad-replayed") == []


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({"MICROSOFT_APP_ID": APP_ID}, "MICROSOFT_APP_PASSWORD"),
        ({"MICROSOFT_APP_PASSWORD": "fake-bot-password"}, "MICROSOFT_APP_ID"),
        (
            {
                "MICROSOFT_APP_ID": APP_ID,
                "MICROSOFT_APP_PASSWORD": "pw",
                "MICROSOFT_APP_TYPE": "SingleTenant",
            },
            "MICROSOFT_APP_TENANT_ID",
        ),
    ],
    ids=["app-id-without-password", "password-without-app-id", "single-tenant-without-tenant"],
)
def test_half_configured_teams_stops_serve_naming_the_missing_variable(
    tmp_path: Path, env: dict[str, str], missing: str
) -> None:
    line = refusal_line(clueline_exit("serve", env, tmp_path))
    assert line.startswith(f"clueline: {missing} is required")
    assert not (tmp_path / "half.db").exists()  # refused before the database was touched


def _from_tenant(activity: dict[str, Any], tenant: str) -> dict[str, Any]:
    """The activity as another organisation's Teams sends it (its tenant in the conversation and channelData)."""
    activity["conversation"]["tenantId"] = tenant
    activity["channelData"]["tenant"]["id"] = tenant
    return activity


def test_an_activity_from_a_tenant_not_listed_is_acknowledged_and_dropped(
    authenticated: Server, module_fake: FakeTeams
) -> None:
    # Another organisation uploaded a manifest naming our bot: its tokens are genuine, its tenant is not ours.
    outsider = _from_tenant(personal_message(module_fake.url, "highlights", aad="aad-outsider"), OTHER_TENANT)
    token = module_fake.token(module_fake.url)
    assert authenticated.post(outsider, token).status_code == 200  # so the connector does not retry
    insider = personal_message(module_fake.url, "help", aad="aad-insider")
    assert authenticated.post(insider, token).status_code == 200
    eventually(lambda: module_fake.posts("a:1chat-aad-insider"), "the answer in our own tenant")
    assert module_fake.posts("a:1chat-aad-outsider") == []
    assert "dropped a Teams activity from a tenant CLUELINE_TEAMS_ALLOWED_TENANTS does not list" in (
        authenticated.output()
    )


@contextmanager
def serving_tenants(tmp_path: Path, sqlite_template: Path, fake: FakeTeams, listed: str) -> Iterator[Server]:
    """`clueline serve` with an app id and CLUELINE_TEAMS_ALLOWED_TENANTS=`listed` (empty: unset)."""
    database = databases.copy_sqlite(sqlite_template, tmp_path)
    server = start_server(
        tmp_path, database, fake, tokens=True, env={"CLUELINE_TEAMS_ALLOWED_TENANTS": listed}
    )
    try:
        yield server
    finally:
        server.stop()


def test_without_a_tenant_listed_no_tenant_is_served(
    tmp_path: Path, sqlite_template: Path, fake: FakeTeams
) -> None:
    with serving_tenants(tmp_path, sqlite_template, fake, "") as server:
        assert "neither CLUELINE_TEAMS_ALLOWED_TENANTS nor MICROSOFT_APP_TENANT_ID is set" in server.output()
        assert server.post(personal_message(fake.url, "help", aad="aad-ours")).status_code == 200
        assert quiet_for_a_moment(fake)


def test_a_star_serves_every_tenant(tmp_path: Path, sqlite_template: Path, fake: FakeTeams) -> None:
    with serving_tenants(tmp_path, sqlite_template, fake, "*") as server:
        activity = _from_tenant(personal_message(fake.url, "help", aad="aad-partner"), OTHER_TENANT)
        assert server.post(activity).status_code == 200
        eventually(lambda: fake.posts("a:1chat-aad-partner"), "the answer in a partner's tenant")


def test_a_tenant_that_is_no_entra_id_stops_serve_naming_the_variable(tmp_path: Path) -> None:
    env = {"CLUELINE_TEAMS_ALLOWED_TENANTS": "contoso.onmicrosoft.com"}
    line = refusal_line(clueline_exit("serve", env, tmp_path))
    assert line.startswith("clueline: CLUELINE_TEAMS_ALLOWED_TENANTS: 'contoso.onmicrosoft.com' is not")


def test_local_mode_beside_an_app_id_is_ignored_with_a_warning_and_tokens_are_still_checked(
    tmp_path: Path, sqlite_template: Path, fake: FakeTeams
) -> None:
    database = databases.copy_sqlite(sqlite_template, tmp_path)
    server = start_server(
        tmp_path, database, fake, with_app_id=True, env={"CLUELINE_TEAMS_UNAUTHENTICATED": "1"}
    )
    try:
        assert "CLUELINE_TEAMS_UNAUTHENTICATED=1 is ignored: MICROSOFT_APP_ID is set" in server.output()
        assert server.post(personal_message(fake.url, "help", aad="aad-ours")).status_code == 401
    finally:
        server.stop()
