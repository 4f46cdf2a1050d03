"""The adapter against the fake connector in this process: what each Teams answer means for the outbox."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from adapters.teams import TeamsAdapterBase, TeamsConfig
from bot.core.errors import PermanentSendError, RetryableSendError
from bot.core.types import ConversationRef, OutboundMessage, SentMessage, UserRef
from tests.support.fake_teams import APP_ID, APP_PASSWORD, TENANT, FakeTeams
from tests.teams.conftest import NewAdapter, bot_token_endpoint, free_port
from tests.teams.shapes import CHANNEL


@pytest.fixture
def service(trusting: Callable[[FakeTeams], FakeTeams]) -> Iterator[FakeTeams]:
    fake = trusting(FakeTeams().start())
    yield fake
    fake.stop()


def adapter_for(new_adapter: NewAdapter, fake: FakeTeams, *, with_app_id: bool = True) -> TeamsAdapterBase:
    config = TeamsConfig(
        app_id=APP_ID if with_app_id else None,
        app_password=APP_PASSWORD if with_app_id else None,
        token_endpoint=bot_token_endpoint(fake),
        default_service_url=fake.url,
    )
    return new_adapter(config)


def channel(fake: FakeTeams) -> ConversationRef:
    return ConversationRef(
        platform="teams", workspace=TENANT, channel=CHANNEL, service_url=fake.url, extra={"type": "channel"}
    )


@pytest.mark.parametrize("status", [412, 502, 503, 504])
async def test_statuses_teams_asks_to_retry_are_retryable(
    new_adapter: NewAdapter, service: FakeTeams, status: int
) -> None:
    service.failures[CHANNEL] = (status, "Transient")
    with pytest.raises(RetryableSendError) as raised:
        await adapter_for(new_adapter, service).send(channel(service), OutboundMessage.plain("hi"))
    assert raised.value.retry_after is None  # the outbox backs off with jitter
    assert str(status) in raised.value.reason


async def test_429_is_retryable_after_the_retry_after_seconds(
    new_adapter: NewAdapter, service: FakeTeams
) -> None:
    service.throttle_next(1, retry_after=7)
    with pytest.raises(RetryableSendError) as raised:
        await adapter_for(new_adapter, service).send(channel(service), OutboundMessage.plain("hi"))
    assert raised.value.retry_after == 7


@pytest.mark.parametrize(
    ("status", "code", "gone"),
    [
        (403, "ConversationBlockedByUser", True),
        (404, "ConversationNotFound", True),
        (403, "BotDisabledByAdmin", False),
        (400, "BadArgument", False),
        (413, "MessageSizeTooBig", False),
        (500, "ServiceError", False),
    ],
)
async def test_other_failures_are_permanent_with_status_and_code(
    new_adapter: NewAdapter, service: FakeTeams, status: int, code: str, gone: bool
) -> None:
    service.failures[CHANNEL] = (status, code)
    with pytest.raises(PermanentSendError) as raised:
        await adapter_for(new_adapter, service).send(channel(service), OutboundMessage.plain("hi"))
    assert f"{status} {code}" in raised.value.reason
    assert raised.value.conversation_gone is gone


async def test_an_unreachable_connector_is_retryable(
    new_adapter: NewAdapter,
) -> None:
    dead = ConversationRef(
        platform="teams", workspace=TENANT, channel=CHANNEL, service_url=f"http://127.0.0.1:{free_port()}/"
    )
    with pytest.raises(RetryableSendError):
        await new_adapter(TeamsConfig()).send(dead, OutboundMessage.plain("hi"))


async def test_wrong_bot_credentials_are_a_permanent_failure(
    new_adapter: NewAdapter, service: FakeTeams
) -> None:
    config = TeamsConfig(app_id=APP_ID, app_password="wrong", token_endpoint=bot_token_endpoint(service))
    with pytest.raises(PermanentSendError) as raised:
        await new_adapter(config).send(channel(service), OutboundMessage.plain("hi"))
    assert "invalid_client" in raised.value.reason
    assert service.posts() == []


async def test_the_token_is_fetched_once_and_reused(new_adapter: NewAdapter, service: FakeTeams) -> None:
    adapter = adapter_for(new_adapter, service)
    for text in ("one", "two", "three"):
        await adapter.send(channel(service), OutboundMessage.plain(text))
    await adapter.stop()
    assert len(service.token_requests) == 1
    assert {post.authorization for post in service.posts()} == {"Bearer fake-connector-token"}


async def test_update_and_delete_address_the_posted_message(
    new_adapter: NewAdapter, service: FakeTeams
) -> None:
    adapter = adapter_for(new_adapter, service, with_app_id=False)
    threaded = channel(service).in_thread("1732528800123")
    sent = await adapter.send(threaded, OutboundMessage.plain("question"))
    await adapter.update(sent, OutboundMessage.plain("Thanks, recorded"))
    await adapter.delete(SentMessage(conversation=threaded, message_id=sent.message_id))
    put = service.of("PUT")[0]
    assert put.conversation_id == f"{CHANNEL};messageid=1732528800123"
    assert put.activity_id == sent.message_id
    assert put.body["text"] == "Thanks, recorded"
    assert service.of("DELETE")[0].activity_id == sent.message_id
    assert service.posts()[0].authorization is None  # no app id: no bearer token


async def test_a_dm_is_created_on_the_connector_learned_for_the_tenant(
    new_adapter: NewAdapter, service: FakeTeams
) -> None:
    adapter = new_adapter(TeamsConfig(default_service_url="https://smba.trafficmanager.net/teams/"))
    await adapter.list_members(channel(service))  # any call to a tenant's conversation teaches its connector
    direct = await adapter.open_dm(UserRef(platform="teams", workspace=TENANT, user_id="aad-new"))
    assert (direct.channel, direct.service_url, direct.is_direct) == ("a:1dm-aad-new", service.url, True)
    sent = await adapter.send(direct, OutboundMessage.plain("hello"))
    assert service.posts("a:1dm-aad-new")[0].path == "/v3/conversations/a:1dm-aad-new/activities"
    assert sent.message_id.startswith("activity-")
