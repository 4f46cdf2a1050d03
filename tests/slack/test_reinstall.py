"""A workspace reinstalled through another instance: the new token is read from the store, nothing fails."""

from __future__ import annotations

import pytest
from slack_sdk.oauth.installation_store import Installation

from adapters.slack import SlackAdapter
from adapters.slack.stores import DatabaseInstallationStore
from bot.clock import SystemClock
from bot.core.types import ConversationRef, OutboundMessage
from bot.db.database import Database
from bot.settings import Settings
from tests.support.fake_slack import FakeSlack

WORKSPACE = "T0002"


def installation(token: str) -> Installation:
    return Installation(
        app_id="A1", team_id=WORKSPACE, bot_token=token, bot_id="B2", bot_user_id="U2", user_id="U1"
    )


def oauth_settings(database_url: str, fake: FakeSlack, token_ttl: float = 300.0) -> Settings:
    return Settings(
        database_url=database_url,
        slack_client_id="client-id",
        slack_client_secret="client-secret",
        slack_signing_secret="signing-secret",
        slack_allowed_teams=frozenset({WORKSPACE}),
        slack_api_url=fake.url,
        slack_token_ttl_seconds=token_ttl,
    )


async def save(database_url: str, token: str) -> None:
    database = Database(database_url)
    try:
        await DatabaseInstallationStore(database, SystemClock()).async_save(installation(token))
    finally:
        await database.dispose()


@pytest.mark.parametrize("token_ttl", [300.0, 0.001], ids=["token still cached", "token cache expired"])
async def test_a_token_replaced_by_a_reinstall_is_used_without_a_permanent_failure(
    database_url: str, fake_slack: FakeSlack, token_ttl: float
) -> None:
    await save(database_url, "xoxb-first")
    database = Database(database_url)
    instance = SlackAdapter(oauth_settings(database_url, fake_slack, token_ttl), database=database)
    await instance.start()
    try:
        channel = ConversationRef(platform="slack", workspace=WORKSPACE, channel="C0001")
        await instance.send(channel, OutboundMessage.plain("before the reinstall"))
        # Another instance finishes a reinstall: a new token in the store, the old one revoked by Slack.
        await save(database_url, "xoxb-second")
        fake_slack.revoked_tokens.add("xoxb-first")
        sent = await instance.send(channel, OutboundMessage.plain("after the reinstall"))
    finally:
        await instance.stop()
        await database.dispose()
    assert sent.message_id
    accepted = fake_slack.calls_to("chat.postMessage", ok_only=True)
    assert [call.headers["Authorization"] for call in accepted] == ["Bearer xoxb-first", "Bearer xoxb-second"]


async def test_a_revoked_token_with_no_new_install_is_a_permanent_failure(
    database_url: str, fake_slack: FakeSlack
) -> None:
    from bot.core.errors import PermanentSendError

    await save(database_url, "xoxb-only")
    fake_slack.revoked_tokens.add("xoxb-only")
    database = Database(database_url)
    instance = SlackAdapter(oauth_settings(database_url, fake_slack), database=database)
    await instance.start()
    try:
        with pytest.raises(PermanentSendError, match="invalid_auth"):
            await instance.send(
                ConversationRef(platform="slack", workspace=WORKSPACE, channel="C0001"),
                OutboundMessage.plain("hi"),
            )
    finally:
        await instance.stop()
        await database.dispose()
    assert len(fake_slack.calls_to("chat.postMessage")) == 1  # the same token is not tried twice
