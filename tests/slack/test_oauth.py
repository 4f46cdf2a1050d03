"""Multi-workspace OAuth: install through a running `clueline serve`, answer in the new workspace, uninstall."""

from __future__ import annotations

import asyncio
from pathlib import Path

from adapters.slack.stores import DatabaseInstallationStore, DatabaseOAuthStateStore
from bot.clock import ManualClock, SystemClock
from bot.db.database import Database
from tests.slack import oauth_flow
from tests.slack import payloads as p
from tests.slack.conftest import running_serve
from tests.support.fake_slack import FakeSlack

# The fake's oauth.v2.access installs workspace T0002, which this Clueline serves.
OAUTH_ENV = {**oauth_flow.OAUTH_ENV, "SLACK_ALLOWED_TEAMS": "T0002"}
installations = oauth_flow.installations


async def test_install_answer_and_uninstall_a_second_workspace(
    database_url: str, fake_slack: FakeSlack
) -> None:
    async with running_serve(database_url, fake_slack, extra_env=OAUTH_ENV) as serve:
        status, page = await oauth_flow.install(serve)
        assert status == 200, page
        [exchange] = fake_slack.calls_to("oauth.v2.access")
        assert exchange.body["code"] == "c0de"
        [row] = await installations(database_url)
        assert (row.platform, row.workspace) == ("slack", "T0002")

        body = p.event_body(p.direct_message("help"), "Ev-oauth").replace(p.TEAM, "T0002")
        assert (await serve.post(body))[0] == 200
        [reply] = await fake_slack.wait_for("chat.postMessage")
        assert reply.headers["Authorization"] == "Bearer xoxb-installed"

        uninstall = p.event_body({"type": "app_uninstalled", "event_ts": "1.1"}, "Ev-gone").replace(
            p.TEAM, "T0002"
        )
        assert (await serve.post(uninstall))[0] == 200
        for _ in range(100):
            if not await installations(database_url):
                break
            await asyncio.sleep(0.1)
        assert await installations(database_url) == []
        # The same uninstall again (or tokens_revoked after it) is harmless.
        assert (await serve.post(uninstall.replace("Ev-gone", "Ev-gone-2")))[0] == 200


async def test_redirect_with_an_unknown_state_installs_nothing(
    database_url: str, fake_slack: FakeSlack
) -> None:
    async with (
        running_serve(database_url, fake_slack, extra_env=OAUTH_ENV) as serve,
        serve.session.get(
            f"{serve.url}/slack/oauth_redirect", params={"code": "c0de", "state": "forged"}
        ) as done,
    ):
        assert done.status in (400, 401, 403)
    assert not fake_slack.calls_to("oauth.v2.access")
    assert await installations(database_url) == []


async def test_the_access_log_of_the_oauth_redirect_shows_neither_its_code_nor_its_state(
    database_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    env = {**OAUTH_ENV, "CLUELINE_LOG_LEVEL": "DEBUG"}
    with (tmp_path / "serve.log").open("wb") as log:
        async with (
            running_serve(database_url, fake_slack, extra_env=env, log=log) as serve,
            serve.session.get(
                f"{serve.url}/slack/oauth_redirect", params={"code": "1234.5678.c0dE", "state": "st4te-abc"}
            ) as done,
        ):
            assert done.status in (400, 401, 403)
    logged = (tmp_path / "serve.log").read_text()
    assert "/slack/oauth_redirect?code=" in logged  # the access line is there
    assert "c0dE" not in logged and "st4te-abc" not in logged


async def test_oauth_state_is_consumed_once_and_expires(database_url: str) -> None:
    from datetime import UTC, datetime, timedelta

    database = Database(database_url)
    clock = ManualClock(datetime(2026, 11, 1, tzinfo=UTC))
    store = DatabaseOAuthStateStore(database, clock, expiration_seconds=600)
    try:
        state = await store.async_issue()
        assert await store.async_consume(state) is True
        assert await store.async_consume(state) is False
        late = await store.async_issue()
        clock.advance(timedelta(minutes=11))
        assert await store.async_consume(late) is False
    finally:
        await database.dispose()


async def test_states_of_install_visits_nobody_finished_do_not_pile_up(database_url: str) -> None:
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import func, select

    from adapters.slack.tables import OAuthState

    database = Database(database_url)
    clock = ManualClock(datetime(2026, 11, 1, tzinfo=UTC))
    store = DatabaseOAuthStateStore(database, clock, expiration_seconds=600)
    try:
        for _ in range(20):  # an outsider visiting /slack/install
            await store.async_issue()
        clock.advance(timedelta(minutes=11))
        fresh = await store.async_issue()
        async with database.session() as session:
            assert (await session.execute(select(func.count()).select_from(OAuthState))).scalar_one() == 1
        assert await store.async_consume(fresh) is True
    finally:
        await database.dispose()


async def test_a_flood_of_install_visits_keeps_only_the_newest_states(database_url: str) -> None:
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import func, select

    from adapters.slack.tables import OAuthState

    database = Database(database_url)
    clock = ManualClock(datetime(2026, 11, 1, tzinfo=UTC))
    store = DatabaseOAuthStateStore(database, clock, expiration_seconds=600, most_live=5)
    try:
        first = await store.async_issue()
        states = []
        for _ in range(12):  # within the ten minutes, so none has expired
            clock.advance(timedelta(seconds=1))
            states.append(await store.async_issue())
        async with database.session() as session:
            assert (await session.execute(select(func.count()).select_from(OAuthState))).scalar_one() == 5
        assert await store.async_consume(first) is False
        assert await store.async_consume(states[-1]) is True
    finally:
        await database.dispose()


async def test_installation_round_trips_and_deletes_idempotently(database_url: str) -> None:
    from slack_sdk.oauth.installation_store import Installation

    database = Database(database_url)
    store = DatabaseInstallationStore(database, SystemClock())
    try:
        installation = Installation(
            app_id="A1",
            team_id="T9",
            bot_token="xoxb-9",
            bot_id="B9",
            bot_user_id="U9",
            bot_scopes=["chat:write", "commands"],
            user_id="U1",
        )
        await store.async_save(installation)
        await store.async_save(installation)  # a second save replaces, never duplicates
        bot = await store.async_find_bot(enterprise_id=None, team_id="T9")
        assert bot is not None and (bot.bot_token, bot.bot_user_id, bot.bot_id) == ("xoxb-9", "U9", "B9")
        assert list(bot.bot_scopes) == ["chat:write", "commands"]
        await store.async_delete_all(enterprise_id=None, team_id="T9")
        await store.async_delete_all(enterprise_id=None, team_id="T9")
        assert await store.async_find_bot(enterprise_id=None, team_id="T9") is None
    finally:
        await database.dispose()
