"""A keyed post carries its delivery key as Slack message metadata, and the adapter finds it again in the
conversation's history (the lookup of a send resumed after a crash), against the fake Slack's wire format."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from adapters.slack import SlackAdapter
from bot.core.adapter import DeliveryLookup
from bot.core.errors import RetryableSendError
from bot.core.types import ConversationRef, OutboundMessage, UserRef
from tests.support.fake_slack import FakeSlack

CHANNEL = ConversationRef(platform="slack", workspace="T0001", channel="C0001")
PERSON = UserRef(platform="slack", workspace="T0001", user_id="U0007")


def keyed(text: str, key: str) -> OutboundMessage:
    return OutboundMessage.plain(text).model_copy(update={"delivery_key": key})


def a_minute_ago() -> datetime:
    return datetime.now(UTC) - timedelta(minutes=1)


async def test_a_keyed_post_carries_the_key_as_metadata_and_an_unkeyed_one_none(
    slack: SlackAdapter, fake_slack: FakeSlack
) -> None:
    await slack.send(CHANNEL, keyed("invitation", "outbox-7"))
    await slack.send(CHANNEL, OutboundMessage.plain("a reply"))
    keyed_post, plain_post = fake_slack.calls_to("chat.postMessage")
    assert keyed_post.body["metadata"] == {
        "event_type": "clueline_delivery",
        "event_payload": {"key": "outbox-7"},
    }
    assert "metadata" not in plain_post.body


async def test_a_dm_posted_to_a_user_id_is_found_by_its_key_in_the_dm_history(
    slack: SlackAdapter, fake_slack: FakeSlack
) -> None:
    assert isinstance(slack, DeliveryLookup)
    direct = await slack.open_dm(PERSON)
    posted = await slack.send(direct, keyed("invitation", "outbox-7"))
    await slack.send(direct, keyed("reminder", "outbox-8"))

    found = await slack.find_delivered(direct, "outbox-7", a_minute_ago())

    assert found == posted
    [history] = fake_slack.calls_to("conversations.history")
    assert history.body["channel"] == "D0007"
    assert history.body["include_all_metadata"] == "true"
    assert float(history.body["oldest"]) < a_minute_ago().timestamp()
    assert int(history.body["limit"]) <= 15


async def test_no_message_with_the_key_since_then_is_nothing_found(slack: SlackAdapter) -> None:
    await slack.send(CHANNEL, keyed("invitation", "outbox-7"))
    assert await slack.find_delivered(CHANNEL, "outbox-8", a_minute_ago()) is None
    assert await slack.find_delivered(CHANNEL, "outbox-7", datetime.now(UTC) + timedelta(minutes=5)) is None


async def test_a_rate_limited_lookup_says_when_to_look_again(
    slack: SlackAdapter, fake_slack: FakeSlack
) -> None:
    fake_slack.rate_limit("conversations.history", retry_after=7, seconds=5.0)
    with pytest.raises(RetryableSendError) as raised:
        await slack.find_delivered(CHANNEL, "outbox-7", a_minute_ago())
    assert raised.value.retry_after == 7
