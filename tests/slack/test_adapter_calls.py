"""The adapter's Web API calls against the fake Slack, in this process: sending, errors, members, homes."""

from __future__ import annotations

import asyncio

import pytest

from adapters.slack import SlackAdapter
from bot.core.errors import PermanentSendError, RetryableSendError
from bot.core.types import ConversationRef, OutboundMessage, SentMessage, UserRef
from bot.settings import Settings
from tests.support.fake_slack import FakeSlack

CHANNEL = ConversationRef(platform="slack", workspace="T0001", channel="C0001")


async def test_dm_goes_to_the_user_id_and_comes_back_with_the_dm_channel(
    slack: SlackAdapter, fake_slack: FakeSlack
) -> None:
    person = UserRef(platform="slack", workspace="T0001", user_id="U0007")
    direct = await slack.open_dm(person)
    assert direct == ConversationRef(platform="slack", workspace="T0001", channel="U0007", is_direct=True)
    sent = await slack.send(direct, OutboundMessage.plain("hello"))
    assert sent.conversation.channel == "D0007" and sent.conversation.is_direct
    assert [c.method for c in fake_slack.calls if c.method != "auth.test"] == ["chat.postMessage"]


async def test_thread_replies_and_ephemeral_messages(slack: SlackAdapter, fake_slack: FakeSlack) -> None:
    await slack.send(CHANNEL.in_thread("1.1"), OutboundMessage.plain("in thread"))
    person = UserRef(platform="slack", workspace="T0001", user_id="U0001")
    await slack.send(CHANNEL, OutboundMessage(text="only you", ephemeral_to=person))
    [posted] = fake_slack.calls_to("chat.postMessage")
    assert posted.body["thread_ts"] == "1.1"
    [ephemeral] = fake_slack.calls_to("chat.postEphemeral")
    assert (ephemeral.body["channel"], ephemeral.body["user"]) == ("C0001", "U0001")


@pytest.mark.parametrize(
    ("error", "gone"),
    [
        ("channel_not_found", True),
        ("not_in_channel", True),
        ("account_inactive", True),
        ("is_archived", True),
        ("invalid_auth", False),
    ],
)
async def test_permanent_errors_are_permanent(
    slack: SlackAdapter, fake_slack: FakeSlack, error: str, gone: bool
) -> None:
    fake_slack.errors["C0BAD"] = error
    with pytest.raises(PermanentSendError) as failed:
        await slack.send(CHANNEL.model_copy(update={"channel": "C0BAD"}), OutboundMessage.plain("x"))
    assert error in failed.value.reason
    assert failed.value.conversation_gone is gone


async def test_429_is_retryable_with_retry_after_and_blocks_the_method(
    slack: SlackAdapter, fake_slack: FakeSlack
) -> None:
    fake_slack.rate_limit("chat.update", retry_after=30, seconds=60)
    sent = SentMessage(conversation=CHANNEL, message_id="1.1")
    with pytest.raises(RetryableSendError) as limited:
        await slack.update(sent, OutboundMessage.plain("x"))
    assert limited.value.retry_after == 30
    with pytest.raises(RetryableSendError) as refused:
        await slack.update(sent, OutboundMessage.plain("y"))  # refused by our limiter, not sent
    assert refused.value.retry_after is not None and 29 < refused.value.retry_after <= 30
    assert len(fake_slack.calls_to("chat.update", ok_only=False)) == 1


async def test_unrenderable_message_is_a_permanent_error(slack: SlackAdapter) -> None:
    from bot.core.types import Button, Buttons

    message = OutboundMessage(
        text="x", blocks=[Buttons(buttons=[Button(label="b", action_id="a", value="v" * 3000)])]
    )
    with pytest.raises(PermanentSendError, match="cannot show"):
        await slack.send(CHANNEL, message)


async def test_members_are_people_without_bots_deleted_or_guests(
    slack: SlackAdapter, fake_slack: FakeSlack
) -> None:
    fake_slack.add_user("U1", tz="America/New_York")
    fake_slack.add_user("U2", is_bot=True)
    fake_slack.add_user("U3", deleted=True)
    fake_slack.add_user("U4", is_restricted=True)
    fake_slack.add_user("U5", is_ultra_restricted=True)
    fake_slack.add_user("U6")
    fake_slack.members["C0001"] = ["U1", "U2", "U3", "U4", "U5", "U6", "UGONE"]
    members = await slack.list_members(CHANNEL)
    assert [(m.user_id, m.time_zone) for m in members] == [("U1", "America/New_York"), ("U6", "Europe/Paris")]
    assert members[0].email == "u1@example.com"


async def test_large_channels_are_paged_and_resolved_with_users_list(
    slack: SlackAdapter, fake_slack: FakeSlack
) -> None:
    ids = [f"U{n:04d}" for n in range(450)]
    for user_id in ids:
        fake_slack.add_user(user_id)
    fake_slack.members["C0BIG"] = ids
    members = await slack.list_members(CHANNEL.model_copy(update={"channel": "C0BIG"}))
    assert len(members) == 450
    assert len(fake_slack.calls_to("conversations.members")) == 3
    assert len(fake_slack.calls_to("users.list")) == 3
    assert not fake_slack.calls_to("users.info")


async def test_user_group_members(slack: SlackAdapter, fake_slack: FakeSlack) -> None:
    fake_slack.add_user("U1")
    fake_slack.add_user("U2", is_bot=True)
    fake_slack.usergroups["S0001"] = ["U1", "U2"]
    members = await slack.list_members(CHANNEL.model_copy(update={"channel": "S0001"}))
    assert [m.user_id for m in members] == ["U1"]
    assert fake_slack.calls_to("usergroups.users.list")[0].body["usergroup"] == "S0001"


async def test_delete_of_a_message_already_gone_is_fine(slack: SlackAdapter, fake_slack: FakeSlack) -> None:
    await slack.delete(SentMessage(conversation=CHANNEL, message_id="1.1"))
    assert fake_slack.calls_to("chat.delete")[0].body == {"channel": "C0001", "ts": "1.1"}


async def test_form_without_a_trigger_is_refused_clearly(slack: SlackAdapter) -> None:
    from bot.core.types import Form, InboundMessage

    event = InboundMessage(
        event_id="e", conversation=CHANNEL, user=UserRef(platform="slack", user_id="U1"), text="x"
    )
    with pytest.raises(PermanentSendError, match="trigger"):
        await slack.open_form(event, Form(callback_id="f", title="t", blocks=[]))


async def test_socket_mode_receives_events_and_acks_their_envelopes(fake_slack: FakeSlack) -> None:
    import json

    from bot.core.adapter import ChatAdapter, InboundEventT
    from bot.core.types import InboundMessage
    from tests.slack import payloads as p

    received: list[InboundEventT] = []

    async def sink(event: InboundEventT, _adapter: ChatAdapter) -> None:
        received.append(event)

    settings = Settings(
        slack_bot_token="xoxb-test", slack_app_token="xapp-test", slack_api_url=fake_slack.url
    )
    adapter = SlackAdapter(settings)
    adapter.routes(sink)
    await adapter.start()
    try:
        body = json.loads(p.event_body(p.direct_message("help"), "Ev-socket"))
        await fake_slack.push_socket("events_api", body, envelope_id="env-1")
        for _ in range(100):
            if received and fake_slack.socket_acks:
                break
            await asyncio.sleep(0.05)
    finally:
        await adapter.stop()
    [event] = received
    assert isinstance(event, InboundMessage) and event.text == "help" and event.is_direct
    assert fake_slack.socket_acks[0]["envelope_id"] == "env-1"
    [opened] = fake_slack.calls_to("apps.connections.open")
    assert opened.headers["Authorization"] == "Bearer xapp-test"
