"""Intake: idempotent on (source, id), all or nothing, near-duplicates counted, routed, threads, risks."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.clock import ManualClock
from bot.core.markdown import to_plain
from bot.core.types import Text
from bot.features.feedback.delivery import Deliveries
from bot.features.feedback.intake import FeedbackIntake
from bot.runtime import Runtime
from tests.feedback.conftest import NOW
from tests.feedback.support import add_route, intake_of, item, outbox_rows, posts, rows, send_all, slack
from tests.support.databases import TEST_SECRET_KEY
from tests.support.runtime import build_test_runtime

VAT = "The VAT report PDF export times out on large quarters, same as last quarter. Please fix the export."
VAT_AGAIN = "The VAT report PDF export times out on large quarters. Please fix the PDF export!"
VAT_THIRD = "VAT report export to PDF times out on large quarters again, please fix the export."


async def test_a_redelivered_batch_is_counted_as_duplicates_and_posted_once(fb_runtime: Runtime) -> None:
    await add_route(fb_runtime, "slack:CVOICE")
    batch = [item(id="a"), item(id="b", text="Invoices page is blank after the 4.2 update, twice today.")]
    first = await intake_of(fb_runtime).accept(batch)
    again = await intake_of(fb_runtime).accept(batch)
    await send_all(fb_runtime)
    assert (first.accepted, first.duplicates) == (2, 0)
    assert (again.accepted, again.duplicates) == (0, 2)
    assert len(await rows(fb_runtime)) == 2
    assert len(slack(fb_runtime).sent) == 2


async def test_the_same_pair_twice_in_one_request_is_stored_once(fb_runtime: Runtime) -> None:
    result = await intake_of(fb_runtime).accept([item(id="a"), item(id="a", text="different words")])
    assert (result.accepted, result.duplicates) == (1, 1)
    assert [r.text for r in await rows(fb_runtime)] == [item().text]


async def test_a_request_that_fails_midway_stores_nothing(
    fb_runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    await add_route(fb_runtime, "slack:CVOICE")

    async def broken(*_args: object) -> None:
        raise RuntimeError("the outbox is gone")

    monkeypatch.setattr(Deliveries, "finish", broken)
    with pytest.raises(RuntimeError):
        await intake_of(fb_runtime).accept([item(id="a"), item(id="b", score=9, text="Love the reports!")])
    assert await rows(fb_runtime) == []
    assert await outbox_rows(fb_runtime) == []
    monkeypatch.undo()
    retried = await intake_of(fb_runtime).accept([item(id="a")])
    assert retried.accepted == 1


async def test_near_duplicates_are_counted_onto_the_first_and_not_posted_again(fb_runtime: Runtime) -> None:
    await add_route(fb_runtime, "slack:CVOICE")
    intake = intake_of(fb_runtime)
    await intake.accept([item(id="1", text=VAT)])
    await intake.accept([item(id="2", text=VAT_AGAIN, customer={"account": "Acme"})])
    await intake.accept([item(id="3", text=VAT_THIRD, customer=None)])
    await send_all(fb_runtime)
    first, second, third = await rows(fb_runtime)
    assert first.similar_count == 2
    assert second.duplicate_of == first.id and third.duplicate_of == first.id
    assert len(slack(fb_runtime).sent) == 1


async def test_near_duplicates_within_one_request_are_counted_too(fb_runtime: Runtime) -> None:
    await intake_of(fb_runtime).accept(
        [item(id="1", text=VAT), item(id="2", text=VAT_AGAIN), item(id="3", text=VAT_THIRD)]
    )
    first, *others = await rows(fb_runtime)
    assert first.similar_count == 2
    assert all(o.duplicate_of == first.id for o in others)


async def test_another_process_counts_repeats_onto_items_the_first_stored(
    fb_runtime: Runtime, database_url: str
) -> None:
    await intake_of(fb_runtime).accept([item(id="1", text=VAT)])
    other = build_test_runtime(fb_runtime.settings, clock=ManualClock(NOW + timedelta(hours=1)))
    try:
        await intake_of(other).accept([item(id="2", text=VAT_AGAIN)])
    finally:
        await other.database.dispose()
    first, second = await rows(fb_runtime)
    assert second.duplicate_of == first.id
    assert first.similar_count == 1


async def test_a_process_counts_repeats_onto_items_another_process_stored_since_its_last_request(
    fb_runtime: Runtime, database_url: str
) -> None:
    first_process = intake_of(fb_runtime)
    await first_process.accept(
        [item(id="1", text="Invoices page is blank after the 4.2 update, twice today.")]
    )
    other = build_test_runtime(fb_runtime.settings, clock=ManualClock(NOW))
    try:
        await intake_of(other).accept([item(id="2", text=VAT)])
    finally:
        await other.database.dispose()
    await first_process.accept([item(id="3", text=VAT_AGAIN)])
    _, original, repeat = await rows(fb_runtime)
    assert repeat.duplicate_of == original.id
    assert original.similar_count == 1


async def test_an_item_older_than_a_week_is_no_repeat_of_a_new_one(fb_runtime: Runtime) -> None:
    await intake_of(fb_runtime).accept([item(id="1", text=VAT)])
    assert isinstance(fb_runtime.clock, ManualClock)
    fb_runtime.clock.advance(timedelta(days=8))
    later = (NOW + timedelta(days=8)).isoformat()
    await intake_of(fb_runtime).accept([item(id="2", text=VAT_AGAIN, received_at=later)])
    assert [r.duplicate_of for r in await rows(fb_runtime)] == [None, None]


async def test_a_detractor_goes_to_its_real_time_route_and_waits_for_the_digest_route(
    fb_runtime: Runtime,
) -> None:
    detractors = await add_route(fb_runtime, "slack:CDETRACT", "--max-score", "6")
    await add_route(fb_runtime, "slack:CPROMO", "--min-score", "9")
    weekly = await add_route(fb_runtime, "slack:CWEEKLY", "--digest", "weekly")
    result = await intake_of(fb_runtime).accept([item(score=2)])
    await send_all(fb_runtime)
    assert result.highlights == 1
    [(conversation, message)] = slack(fb_runtime).sent
    assert conversation.channel == "CDETRACT"
    assert "NPS 2 · detractor" in message.text
    [record] = await rows(fb_runtime)
    assert "[" in record.routed_to and f'"route": "{detractors.id}"' in record.routed_to
    assert f'"route": "{weekly.id}"' in record.routed_to and "weekly digest" in record.routed_to


async def test_a_post_shows_badge_redacted_text_product_account_why_and_buttons(fb_runtime: Runtime) -> None:
    await add_route(fb_runtime, "slack:CVOICE")
    text = "Dana here: export breaks on big reports, call +44 20 7946 0958 or mail dana@example.com."
    await intake_of(fb_runtime).accept([item(text=text)])
    await send_all(fb_runtime)
    [(_, message)] = slack(fb_runtime).sent
    dumped = message.model_dump_json()
    assert "NPS 3 · detractor" in dumped and "reports" in dumped and "Northwind" in dumped
    shown = " ".join(to_plain(block.text) for block in message.blocks if isinstance(block, Text))
    assert "[name] here" in shown and "[phone]" in shown and "[email]" in shown
    assert "Dana" not in dumped and "dana@example.com" not in dumped and "7946" not in dumped
    assert "Why: NPS detractor (3)" in dumped
    assert "Discuss" in dumped and "I'll follow up" in dumped and "Kudos" not in dumped


async def test_praise_gets_a_kudos_button(fb_runtime: Runtime) -> None:
    await add_route(fb_runtime, "slack:CVOICE")
    await intake_of(fb_runtime).accept(
        [item(score=10, text="Love the new reports: month-end took 10 minutes!")]
    )
    await send_all(fb_runtime)
    [(_, message)] = slack(fb_runtime).sent
    assert "Kudos to the team" in message.model_dump_json()


async def test_later_items_of_an_account_go_to_its_thread_within_a_week(fb_runtime: Runtime) -> None:
    await add_route(fb_runtime, "slack:CVOICE")
    intake = intake_of(fb_runtime)
    await intake.accept([item(id="1")])
    await send_all(fb_runtime)
    assert isinstance(fb_runtime.clock, ManualClock)
    fb_runtime.clock.advance(timedelta(days=2))
    await intake.accept([item(id="2", score=1, text="Now the dashboard crashes when I open invoices.")])
    await send_all(fb_runtime)
    fb_runtime.clock.advance(timedelta(days=8))
    await intake.accept([item(id="3", score=0, text="Sync to our bank stopped on Monday; nothing imports.")])
    await send_all(fb_runtime)
    first, second, third = (conversation for conversation, _ in slack(fb_runtime).sent)
    root = (await posts(fb_runtime))[0].message_id
    assert first.thread is None
    assert second.thread == root
    assert third.thread is None  # a week later the account gets a fresh thread


async def test_items_of_one_account_in_one_request_wait_for_the_first_and_join_its_thread(
    fb_runtime: Runtime,
) -> None:
    await add_route(fb_runtime, "slack:CVOICE")
    await intake_of(fb_runtime).accept(
        [item(id="1"), item(id="2", score=1, text="Now the dashboard crashes when I open invoices.")]
    )
    await send_all(fb_runtime)
    sent = slack(fb_runtime).sent
    assert len(sent) == 2
    assert sent[0][0].thread is None
    assert sent[1][0].thread == (await posts(fb_runtime))[0].message_id


async def test_an_account_with_several_negative_items_is_flagged_at_risk_once(fb_runtime: Runtime) -> None:
    await add_route(fb_runtime, "slack:CVOICE")
    texts = [
        "Invoices page is blank after the 4.2 update.",
        "Payment links fail for card payments since Monday.",
        "Bank sync duplicated 40 transactions this morning.",
        "Reminder emails went to the wrong clients today.",
    ]
    for n, text in enumerate(texts):
        await intake_of(fb_runtime).accept([item(id=str(n), score=2, text=text)])
    await send_all(fb_runtime)
    assert [r.at_risk for r in await rows(fb_runtime)] == [False, False, True, False]
    third = slack(fb_runtime).sent[2][1]
    assert "Account at risk: 3 negative items" in third.model_dump_json()


async def test_an_empty_batch_does_nothing(fb_runtime: Runtime) -> None:
    result = await intake_of(fb_runtime).accept([])
    assert (result.accepted, result.duplicates) == (0, 0)


async def test_a_concurrent_redelivery_from_two_processes_stores_the_item_once(postgres_url: str) -> None:
    import asyncio

    from bot.settings import Settings

    runtimes = []
    for _ in range(2):
        runtime = build_test_runtime(
            Settings(secret_key=TEST_SECRET_KEY, database_url=postgres_url), clock=ManualClock(NOW)
        )
        runtimes.append(runtime)
    try:
        batch = [item(id=str(n), text=f"Report {n} export fails with error E{n}{n}7.") for n in range(30)]
        intakes: list[FeedbackIntake] = [intake_of(r) for r in runtimes]
        results = await asyncio.gather(*(intake.accept(batch) for intake in intakes))
        assert sum(r.accepted for r in results) == 30
        assert sum(r.duplicates for r in results) == 30
        assert len(await rows(runtimes[0])) == 30
    finally:
        for runtime in runtimes:
            await runtime.database.dispose()


async def test_a_post_uses_the_stored_reference_of_its_channel(fb_runtime: Runtime) -> None:
    from bot.core.types import ConversationRef

    stored = ConversationRef(platform="slack", workspace="T1", channel="CVOICE", bot_id="B1")
    await fb_runtime.directory.remember(conversation=stored)
    await add_route(fb_runtime, "slack:CVOICE")
    await intake_of(fb_runtime).accept([item()])
    await send_all(fb_runtime)
    [(conversation, _)] = slack(fb_runtime).sent
    assert (conversation.workspace, conversation.bot_id) == ("T1", "B1")


async def test_a_reset_link_and_a_handle_never_reach_the_channel_nor_its_reasons(fb_runtime: Runtime) -> None:
    await add_route(fb_runtime, "slack:CVOICE")
    text = (
        "Export breaks on big reports. Log in as me with https://app.example/reset?token=9f8e7d6c5b4a3f2e1d0c "
        "and ping <@U024BE7LH> or @gregfinance, password: Rover2019"
    )
    await intake_of(fb_runtime).accept([item(text=text)])
    await send_all(fb_runtime)
    [(_, message)] = slack(fb_runtime).sent
    dumped = message.model_dump_json()
    for secret in ("9f8e7d6c5b4a3f2e1d0c", "token=", "U024BE7LH", "gregfinance", "Rover2019"):
        assert secret not in dumped
    shown = " ".join(to_plain(block.text) for block in message.blocks if isinstance(block, Text))
    assert "reset?[secret]" in shown and "[handle]" in shown
