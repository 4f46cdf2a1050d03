"""Who may reach the Slack routes: only workspaces this Clueline serves (SLACK_ALLOWED_TEAMS in OAuth mode, the
token's own workspace otherwise), and only when Slack is configured whole."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from slack_sdk.oauth.installation_store import Installation

from adapters.slack.stores import DatabaseInstallationStore
from bot.clock import SystemClock
from bot.db.database import Database
from tests.slack import payloads as p
from tests.slack.conftest import Serve, running_serve
from tests.slack.oauth_flow import OAUTH_ENV, install, installations
from tests.support.cli_exit import clueline_exit, refusal_line
from tests.support.fake_slack import FakeSlack

OUTSIDER = "T0OUTSIDE"


async def nothing_sent(fake: FakeSlack) -> bool:
    """True when Clueline called no Slack method (beyond learning who it is) for a while."""
    await asyncio.sleep(1.5)
    return [call.method for call in fake.calls if call.method != "auth.test"] == []


async def store_installation(database_url: str, team_id: str) -> None:
    """A workspace that installed the app before the allow-list existed."""
    database = Database(database_url)
    try:
        await DatabaseInstallationStore(database, SystemClock()).async_save(
            Installation(
                app_id="A0001",
                team_id=team_id,
                bot_token="xoxb-outsider",
                bot_id="BBOT",
                bot_user_id=p.BOT_USER,
                bot_scopes=["chat:write", "commands"],
                user_id="U0001",
            )
        )
    finally:
        await database.dispose()


def from_team(body: str, team_id: str) -> str:
    return body.replace(p.TEAM, team_id)


async def test_install_page_without_allowed_teams_is_refused_naming_the_variable(
    database_url: str, fake_slack: FakeSlack
) -> None:
    async with (
        running_serve(database_url, fake_slack, extra_env=OAUTH_ENV) as serve,
        serve.session.get(f"{serve.url}/slack/install", allow_redirects=False) as page,
    ):
        assert page.status == 403
        assert page.content_type == "text/html"
        assert "SLACK_ALLOWED_TEAMS" in await page.text()


async def test_oauth_redirect_for_a_team_not_allowed_stores_no_installation(
    database_url: str, fake_slack: FakeSlack
) -> None:
    # The fake's oauth.v2.access answers for workspace T0002; only T0001 is allowed.
    env = {**OAUTH_ENV, "SLACK_ALLOWED_TEAMS": "T0001"}
    async with running_serve(database_url, fake_slack, extra_env=env) as serve:
        status, page = await install(serve)
    assert status == 403
    assert "SLACK_ALLOWED_TEAMS" in page
    assert await installations(database_url) == []
    # The stranger's fresh token is handed back rather than left working.
    [revoke] = fake_slack.calls_to("auth.revoke", ok_only=False)
    assert revoke.headers["Authorization"] == "Bearer xoxb-installed"


async def test_requests_of_a_team_not_allowed_are_acknowledged_and_get_no_reply(
    database_url: str, fake_slack: FakeSlack
) -> None:
    await store_installation(database_url, OUTSIDER)
    env = {**OAUTH_ENV, "SLACK_ALLOWED_TEAMS": "T0001,E0ORG"}
    async with running_serve(database_url, fake_slack, extra_env=env) as serve:
        dm = from_team(p.event_body(p.direct_message("highlights"), "Ev-outsider"), OUTSIDER)
        assert await serve.post(dm) == (200, "")
        command = from_team(p.slash_command("highlights"), OUTSIDER)
        assert (await serve.post(command, json_body=False))[0] == 200
        press = p.interactive(p.block_actions(p.button("anything", "1")))
        assert (await serve.post(from_team(press, OUTSIDER), json_body=False))[0] == 200
        assert await nothing_sent(fake_slack)


async def test_single_token_mode_ignores_events_of_another_workspace(
    serve: Serve, fake_slack: FakeSlack
) -> None:
    elsewhere = from_team(p.event_body(p.direct_message("highlights"), "Ev-elsewhere"), OUTSIDER)
    assert await serve.post(elsewhere) == (200, "")
    assert await nothing_sent(fake_slack)
    # Its own workspace is still served.
    assert (await serve.post(p.event_body(p.direct_message("help"), "Ev-own")))[0] == 200
    await fake_slack.wait_for("chat.postMessage")


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({"SLACK_BOT_TOKEN": "xoxb-test"}, "SLACK_SIGNING_SECRET"),
        ({"SLACK_CLIENT_ID": "111.222", "SLACK_SIGNING_SECRET": "s"}, "SLACK_CLIENT_SECRET"),
        ({"SLACK_CLIENT_ID": "111.222", "SLACK_CLIENT_SECRET": "oauth-secret"}, "SLACK_SIGNING_SECRET"),
        ({"SLACK_CLIENT_SECRET": "oauth-secret", "SLACK_SIGNING_SECRET": "s"}, "SLACK_CLIENT_ID"),
        ({"SLACK_APP_TOKEN": "xapp-test"}, "SLACK_BOT_TOKEN"),
        ({"SLACK_SIGNING_SECRET": "s"}, "SLACK_BOT_TOKEN"),
    ],
    ids=[
        "bot-token-without-signing-secret",
        "client-id-without-secret",
        "oauth-without-signing-secret",
        "client-secret-without-id",
        "app-token-without-bot-token",
        "signing-secret-alone",
    ],
)
def test_half_configured_slack_stops_serve_naming_the_missing_variable(
    tmp_path: Path, env: dict[str, str], missing: str
) -> None:
    line = refusal_line(clueline_exit("serve", env, tmp_path))
    assert line.startswith(f"clueline: {missing}")
    assert "required" in line
    assert not (tmp_path / "half.db").exists()  # refused before the database was touched


def test_half_configured_slack_stops_the_worker_too(tmp_path: Path) -> None:
    line = refusal_line(clueline_exit("worker", {"SLACK_BOT_TOKEN": "xoxb-test"}, tmp_path))
    assert line.startswith("clueline: SLACK_SIGNING_SECRET is required")
