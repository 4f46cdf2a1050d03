"""Follow-up claims: only where the item was posted, by people of that conversation, the contact to the claimer once."""

from __future__ import annotations

import pytest

from bot.core.types import ConversationRef, UserRef
from bot.features.feedback.render import FOLLOW_UP
from bot.runtime import Runtime
from tests.feedback.support import add_route, intake_of, item, posted, posts, press, rows, send_all, slack
from tests.support.recording import RetryableSendError

ANA = UserRef(platform="slack", workspace="T1", user_id="UANA", display_name="Ana")
BEN = UserRef(platform="slack", workspace="T1", user_id="UBEN", display_name="Ben")
CONTACT = ("Dana Reyes", "dana@example.com")
REFUSAL = "I can't find that feedback here."


def _everything_sent(runtime: Runtime) -> str:
    adapter = slack(runtime)
    return " ".join(m.model_dump_json() for _, m in adapter.sent) + " ".join(
        m.model_dump_json() for _, m in adapter.updated
    )


async def test_a_follow_up_on_an_item_never_posted_is_refused_like_an_unknown_item(
    fb_runtime: Runtime,
) -> None:
    template = await posted(fb_runtime)
    result = await intake_of(fb_runtime).accept([item(id="never-posted", score=2, text="Invoices are late.")])
    [unposted] = result.item_ids
    adapter = slack(fb_runtime)
    adapter.sent.clear()
    await press(fb_runtime, template.model_copy(update={"value": str(unposted)}), FOLLOW_UP, ANA)
    await press(fb_runtime, template.model_copy(update={"value": "99999"}), FOLLOW_UP, ANA)
    [(_, refused), (_, unknown)] = adapter.sent
    assert refused.text == unknown.text == REFUSAL
    assert refused.ephemeral_to == ANA
    assert not any(secret in _everything_sent(fb_runtime) for secret in CONTACT)
    assert all(r.claimed_by is None for r in await rows(fb_runtime))


async def test_an_item_posted_to_channel_a_cannot_be_claimed_from_channel_b(fb_runtime: Runtime) -> None:
    template = await posted(fb_runtime, channel="CVOICE")
    elsewhere = ConversationRef(platform="slack", workspace="T1", channel="CELSEWHERE")
    adapter = slack(fb_runtime)
    adapter.sent.clear()
    await press(fb_runtime, template.model_copy(update={"conversation": elsewhere}), FOLLOW_UP, ANA)
    [(where, refused)] = adapter.sent
    assert refused.text == REFUSAL and where.channel == "CELSEWHERE" and refused.ephemeral_to == ANA
    assert not any(secret in _everything_sent(fb_runtime) for secret in CONTACT)
    [record] = await rows(fb_runtime)
    assert record.claimed_by is None


async def test_guests_and_bots_cannot_claim_even_in_the_channel_of_the_post(fb_runtime: Runtime) -> None:
    template = await posted(fb_runtime)
    adapter = slack(fb_runtime)
    adapter.sent.clear()
    guest = ANA.model_copy(update={"user_id": "UGUEST", "is_guest": True})
    bot = ANA.model_copy(update={"user_id": "UBOT2", "is_bot": True})
    await press(fb_runtime, template, FOLLOW_UP, guest)
    await press(fb_runtime, template, FOLLOW_UP, bot)
    assert [m.text for _, m in adapter.sent] == [REFUSAL, REFUSAL]
    assert not any(secret in _everything_sent(fb_runtime) for secret in CONTACT)
    [record] = await rows(fb_runtime)
    assert record.claimed_by is None


async def test_a_claim_sends_the_contact_to_the_claimer_alone_records_it_and_shows_it_on_the_post(
    fb_runtime: Runtime,
) -> None:
    template = await posted(fb_runtime)
    adapter = slack(fb_runtime)
    adapter.sent.clear()
    await press(fb_runtime, template, FOLLOW_UP, ANA)
    [(_, contact)] = adapter.sent
    assert contact.ephemeral_to == ANA
    assert all(secret in contact.model_dump_json() for secret in CONTACT)
    [record] = await rows(fb_runtime)
    assert record.claimed_by == "slack:UANA" and record.claimed_at is not None
    [(source, shown)] = adapter.updated
    [post] = await posts(fb_runtime)
    assert (source.conversation.channel, source.message_id) == ("CVOICE", post.message_id)
    assert "Followed up by Ana" in shown.model_dump_json()
    assert "Export to Excel breaks" in shown.model_dump_json()  # the post stays as it was, plus the claim
    assert not any(secret in shown.model_dump_json() for secret in CONTACT)


async def test_a_second_press_names_the_claimer_and_the_contact_is_sent_only_once(
    fb_runtime: Runtime,
) -> None:
    template = await posted(fb_runtime)
    adapter = slack(fb_runtime)
    await press(fb_runtime, template, FOLLOW_UP, ANA)
    adapter.sent.clear()
    await press(fb_runtime, template, FOLLOW_UP, BEN)
    await press(fb_runtime, template, FOLLOW_UP, ANA)
    [(_, to_ben), (_, to_ana)] = adapter.sent
    assert to_ben.ephemeral_to == BEN and "Ana is already following up" in to_ben.text
    assert to_ana.ephemeral_to == ANA and "already following up" in to_ana.text
    assert not any(secret in m.model_dump_json() for _, m in adapter.sent for secret in CONTACT)
    [record] = await rows(fb_runtime)
    assert record.claimed_by == "slack:UANA"


async def test_an_item_posted_to_two_channels_can_be_claimed_from_either(fb_runtime: Runtime) -> None:
    await add_route(fb_runtime, "slack:CSUPPORT")
    template = await posted(fb_runtime, channel="CVOICE")
    await send_all(fb_runtime)
    support = ConversationRef(platform="slack", workspace="T1", channel="CSUPPORT")
    adapter = slack(fb_runtime)
    adapter.sent.clear()
    await press(fb_runtime, template.model_copy(update={"conversation": support}), FOLLOW_UP, BEN)
    [(_, contact)] = adapter.sent
    assert contact.ephemeral_to == BEN and "dana@example.com" in contact.model_dump_json()


async def test_a_contact_that_could_not_be_sent_leaves_the_item_unclaimed_for_the_retry(
    fb_runtime: Runtime,
) -> None:
    template = await posted(fb_runtime)
    adapter = slack(fb_runtime)
    adapter.sent.clear()
    adapter.failures["CVOICE"] = RetryableSendError("slack chat.postEphemeral: ratelimited")
    with pytest.raises(RetryableSendError):
        await press(fb_runtime, template, FOLLOW_UP, ANA)
    [record] = await rows(fb_runtime)
    assert record.claimed_by is None and record.claimed_at is None
    await press(fb_runtime, template, FOLLOW_UP, ANA)  # the platform delivers the press again
    [(_, contact)] = adapter.sent
    assert contact.ephemeral_to == ANA and "dana@example.com" in contact.model_dump_json()


async def test_the_claimer_sees_how_to_reach_the_customer_but_no_credential_they_pasted(
    fb_runtime: Runtime,
) -> None:
    text = (
        "Export to Excel breaks. Log in as me via https://app.example/reset?token=9f8e7d6c5b4a3f2e1d0c, "
        "password: Rover2019, or call +44 20 7946 0958."
    )
    template = await posted(fb_runtime, text=text)
    adapter = slack(fb_runtime)
    adapter.sent.clear()
    await press(fb_runtime, template, FOLLOW_UP, ANA)
    [(_, contact)] = adapter.sent
    shown = contact.model_dump_json()
    assert "+44 20 7946 0958" in shown
    assert "9f8e7d6c5b4a3f2e1d0c" not in shown and "Rover2019" not in shown
