"""A pulse from creation to results: audience, one-tap answers, refusals, reminders, close and report."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlmodel import col

from bot.core.errors import PermanentSendError
from bot.core.types import Buttons, Image
from bot.db.models import OutboxMessage
from bot.features.pulse import render, texts
from bot.features.pulse.closing import CLOSED_BEFORE_SENT, close_pulse
from bot.features.pulse.runs import open_run
from bot.features.pulse.tables import Pulse, PulseInvitation, PulseRun
from bot.features.pulse.views import latest_results
from tests.pulse.conftest import PEOPLE, PulseWorld, slack_user


async def _results(world: PulseWorld, pulse_id: int) -> dict[str, object]:
    found = await latest_results(world.runtime, pulse_id)
    assert found is not None and found[1] is not None
    return dict(found[1].results)


async def test_channel_members_are_asked_once_each_without_bots_guests_or_deactivated(
    world: PulseWorld,
) -> None:
    await world.create(audience=["slack:C1", "slack:U1"])
    await world.settle()
    asked = sorted(conversation.channel for conversation, _ in world.slack.sent)
    assert asked == sorted(f"D-{person}" for person in PEOPLE)
    invite = world.slack.sent[0][1]
    assert "Would you refer a friend to work here?" in invite.text
    labels = [b.label for block in invite.blocks if isinstance(block, Buttons) for b in block.buttons]
    assert labels == [str(score) for score in range(11)]
    assert any(texts.STORED_STATEMENT in getattr(block, "text", "") for block in invite.blocks)


async def test_a_misspelt_audience_is_reported_to_the_creator_as_the_run_opens(world: PulseWorld) -> None:
    misspelt = await world.create(audience=["slack:C0NOPE"])
    await world.settle()
    [report] = world.replies_to("ULEAD")
    assert f"Pulse #{misspelt}" in report and "asks nobody" in report and "slack:C0NOPE" in report
    partly = await world.create(audience=["slack:C1", "slack:C0NOPE"])
    await world.settle()
    assert (
        f"Pulse #{partly}" in world.replies_to("ULEAD")[-1]
        and "asks 8 people" in world.replies_to("ULEAD")[-1]
    )
    await world.create(audience=["slack:C1"])  # all found: nothing to report
    await world.settle()
    assert len(world.replies_to("ULEAD")) == 2
    # Eight asked, but written answers show only from ten.
    written = await world.create(question="What slows you down?", kind="text", audience=["slack:C1"])
    await world.settle()
    report = world.replies_to("ULEAD")[-1]
    assert f"Pulse #{written}" in report and "show from 10 answers, so this run's never will" in report


async def test_opening_a_run_again_sends_nothing_new(world: PulseWorld) -> None:
    pulse_id = await world.create()
    await world.settle()
    async with world.runtime.database.session() as session:
        pulse = await session.get(Pulse, pulse_id)
        run = (await session.execute(select(PulseRun))).scalar_one()
        assert pulse is not None
        again = await open_run(world.runtime, session, pulse, run.scheduled_for)
        assert again.id == run.id
    await world.settle()
    assert len(world.slack.sent) == len(PEOPLE)


async def test_one_tap_records_the_answer_and_replaces_the_buttons_with_thanks(world: PulseWorld) -> None:
    pulse_id = await world.create()
    await world.settle()
    await world.tap("U1", "9")
    updated, thanks = world.slack.updated[-1]
    assert updated.message_id == "msg-U1"
    assert "Thank you" in thanks.text and "Results appear when the pulse closes" in thanks.text
    assert "of 8" not in thanks.text, "how many answered before you is answer order: not told"
    assert "9" not in thanks.text, "the thanks does not repeat the answer"
    assert not any(
        b.action_id.startswith(render.ANSWER_ACTION)
        for block in thanks.blocks
        if isinstance(block, Buttons)
        for b in block.buttons
    )
    assert (await _results(world, pulse_id))["responses"] == 1


async def test_second_tap_is_refused_politely_and_not_counted(world: PulseWorld) -> None:
    pulse_id = await world.create()
    await world.settle()
    token = world.tokens("U1")[0]
    await world.tap("U1", "9", token)
    await world.tap("U1", "0", token)
    assert world.replies_to("U1")[-1] == texts.ALREADY_ANSWERED
    assert (await _results(world, pulse_id))["responses"] == 1


async def test_someone_elses_unknown_or_closed_pulse_gets_one_reply_that_reveals_nothing(
    world: PulseWorld,
) -> None:
    pulse_id = await world.create()
    await world.settle()
    await world.tap("U2", "3", world.tokens("U1")[0])
    await world.tap("U2", "3", "made-up-token")
    await close_pulse(world.runtime, pulse_id)
    await world.tap("U3", "3")
    refusals = world.replies_to("U2")[-2:] + world.replies_to("U3")[-1:]
    assert refusals == [texts.REFUSED] * 3
    assert (await _results(world, pulse_id))["responses"] == 0


async def test_answer_out_of_range_is_refused_with_what_would_work(world: PulseWorld) -> None:
    await world.create()
    await world.settle()
    await world.tap("U1", "11")
    assert "whole number from 0 to 10" in world.replies_to("U1")[-1]


async def test_reminders_go_only_to_people_who_have_not_answered_and_at_most_twice(world: PulseWorld) -> None:
    await world.create(closes_after="5d", reminder_after="1d")
    await world.settle()
    await world.tap("U1", "10")
    world.clock.advance(timedelta(days=1, minutes=1))
    await world.settle()
    assert world.dm_count("U1") == 1
    assert all(world.dm_count(person) == 2 for person in PEOPLE[1:])
    await world.tap("U2", "7")  # through the reminder's own buttons
    world.clock.advance(timedelta(days=1))
    await world.settle()
    assert world.dm_count("U2") == 2
    assert all(world.dm_count(person) == 3 for person in PEOPLE[2:])
    world.clock.advance(timedelta(days=2))
    await world.settle()
    assert all(world.dm_count(person) == 3 for person in PEOPLE[2:]), "no third reminder"


async def test_original_buttons_still_work_after_a_reminder(world: PulseWorld) -> None:
    pulse_id = await world.create(closes_after="3d", reminder_after="1d")
    await world.settle()
    world.clock.advance(timedelta(days=1, minutes=1))
    await world.settle()
    await world.tap("U4", "8", world.tokens("U4")[0])
    assert (await _results(world, pulse_id))["responses"] == 1


async def test_results_stay_hidden_below_the_threshold_then_show_the_contract_numbers(
    world: PulseWorld,
) -> None:
    pulse_id = await world.create(closes_after="1d")
    await world.settle()
    for person, score in zip(PEOPLE[:4], ["10", "9", "8", "6"], strict=True):
        await world.tap(person, score)
    await close_pulse(world.runtime, pulse_id)
    assert await _results(world, pulse_id) == {
        "pulse": pulse_id,
        "audience": 8,
        "responses": 4,
        "hidden": True,
        "enps": None,
        "promoters": None,
        "passives": None,
        "detractors": None,
    }
    second = await world.create(question="Would you refer a friend to work here? (June)", kind="enps")
    await world.settle()
    for person, score in zip(PEOPLE[:5], ["10", "9", "8", "6", "3"], strict=True):
        await world.tap(person, score)
    await close_pulse(world.runtime, second)
    assert await _results(world, second) == {
        "pulse": second,
        "audience": 8,
        "responses": 5,
        "hidden": False,
        "enps": 0,
        "promoters": 2,
        "passives": 1,
        "detractors": 2,
    }


async def test_an_open_run_shows_how_many_answered_and_its_numbers_only_at_close(world: PulseWorld) -> None:
    pulse_id = await world.create(closes_after="1d")
    await world.settle()
    for person in PEOPLE[:6]:
        await world.tap(person, "9")
    found = await latest_results(world.runtime, pulse_id)
    assert found is not None and found[1] is not None
    open_view = found[1]
    assert open_view.results["hidden"] is True and open_view.results["responses"] == 6
    assert open_view.reason is not None and "when the pulse closes" in open_view.reason
    await world.tap("U7", "0")
    world.clock.advance(timedelta(days=1, minutes=1))
    await world.settle()
    # A look at 6 and the final figure at 7 would tell U7's answer: there is only the final figure.
    assert await _results(world, pulse_id) == {
        "pulse": pulse_id,
        "audience": 8,
        "responses": 7,
        "hidden": False,
        "enps": 71,
        "promoters": 6,
        "passives": 0,
        "detractors": 1,
    }


async def test_close_posts_results_with_a_chart_and_reports_who_could_not_be_reached(
    world: PulseWorld,
) -> None:
    world.slack.failures["D-U8"] = PermanentSendError("channel_not_found")
    pulse_id = await world.create(results_target="slack:CRES", closes_after="2d")
    await world.settle()
    for person, score in zip(PEOPLE[:6], ["10", "10", "9", "7", "5", "2"], strict=True):
        await world.tap(person, score)
    world.clock.advance(timedelta(days=2, minutes=1))
    await world.settle()
    posts = [message for conversation, message in world.slack.sent if conversation.channel == "CRES"]
    assert len(posts) == 1
    assert "eNPS: 17" in posts[0].text
    assert any(isinstance(block, Image) and block.png_base64 for block in posts[0].blocks)
    report = world.replies_to("ULEAD")
    assert len(report) == 1 and "slack:U8: channel_not_found" in report[0]
    async with world.runtime.database.session() as session:
        pulse = await session.get(Pulse, pulse_id)
        assert pulse is not None and pulse.status == "closed"


async def test_comment_after_a_score_is_kept_apart_and_shown_only_from_ten_answers(world: PulseWorld) -> None:
    pulse_id = await world.create(results_target="slack:CRES", closes_after="1d")
    await world.settle()
    await world.tap("U1", "9")
    await world.act("U1", render.ADD_COMMENT_ACTION, world.tokens("U1")[0])
    assert world.slack.forms[-1].callback_id.startswith(render.COMMENT_FORM)
    await world.act("U1", world.slack.forms[-1].callback_id, comment="More focus time, please")
    await world.act("U1", world.slack.forms[-1].callback_id, comment="And a second comment")
    assert "already added a comment" in world.replies_to("U1")[-1]
    for person in PEOPLE[1:6]:
        await world.tap(person, "8")
    world.clock.advance(timedelta(days=1, minutes=1))
    await world.settle()
    post = next(m for c, m in world.slack.sent if c.channel == "CRES")
    assert "More focus time" not in post.text and "More focus time" not in str(post.blocks)
    assert (await _results(world, pulse_id))["responses"] == 6


async def test_a_comment_shows_only_when_ten_people_commented_not_ten_answered(world: PulseWorld) -> None:
    ten = [f"U{n}" for n in range(11, 21)]
    world.add_members("CTEN", [slack_user(p) for p in ten])

    async def closed_with_comments_from(commenters: list[str]) -> list[str]:
        pulse_id = await world.create(audience=["slack:CTEN"])
        await world.settle()
        for person in ten:
            await world.tap(person, "8")
            if person in commenters:
                await world.act(person, render.ADD_COMMENT_ACTION, world.tokens(person)[-1])
                await world.act(person, world.slack.forms[-1].callback_id, comment=f"idea from {person}")
        world.clock.advance(timedelta(minutes=5))
        assert await close_pulse(world.runtime, pulse_id) == 1
        found = await latest_results(world.runtime, pulse_id)
        assert found is not None and found[1] is not None
        return found[1].comments

    # Ten answered, one commented: the invitations tell who commented, so that comment would be theirs.
    assert await closed_with_comments_from(ten[:1]) == []
    assert len(await closed_with_comments_from(ten)) == 10


async def test_recurring_pulse_runs_at_nine_berlin_time_on_both_sides_of_the_change(
    world: PulseWorld,
) -> None:
    world.clock.set(datetime(2026, 3, 20, tzinfo=UTC))
    pulse_id = await world.create(every="0 9 * * MON", tz="Europe/Berlin", closes_after="1d")
    for day in (23, 24, 30, 31):
        world.clock.set(datetime(2026, 3, day, 12, tzinfo=UTC))
        await world.settle()
    async with world.runtime.database.session() as session:
        runs = (
            (
                await session.execute(
                    select(PulseRun).where(col(PulseRun.pulse_id) == pulse_id).order_by(col(PulseRun.id))
                )
            )
            .scalars()
            .all()
        )
        invited = await session.scalar(select(func.count()).select_from(PulseInvitation))
    assert [run.scheduled_for for run in runs] == [
        datetime(2026, 3, 23, 8, tzinfo=UTC),
        datetime(2026, 3, 30, 7, tzinfo=UTC),
    ]
    assert [run.status for run in runs] == ["closed", "closed"]
    assert invited == 2 * len(PEOPLE)
    assert all(world.dm_count(person) == 2 for person in PEOPLE)


async def test_recurring_pulse_posts_a_trend_across_runs(world: PulseWorld) -> None:
    pulse_id = await world.create(
        every="0 9 * * MON", tz="UTC", closes_after="1d", results_target="slack:CRES"
    )
    for week in range(2):
        world.clock.set(datetime(2026, 6, 8 + 7 * week, 9, 1, tzinfo=UTC))
        await world.settle()
        for person in PEOPLE[:5]:
            await world.tap(person, "9" if week else "5")
        world.clock.advance(timedelta(days=1, minutes=1))
        await world.settle()
    posts = [m for c, m in world.slack.sent if c.channel == "CRES"]
    assert len(posts) == 2
    assert "eNPS: -100" in posts[0].text and "eNPS: 100" in posts[1].text
    assert sum(isinstance(block, Image) for block in posts[1].blocks) == 2, "breakdown and trend"
    assert pulse_id


async def test_a_run_opened_late_sends_no_reminder_as_it_closes(world: PulseWorld) -> None:
    # Due at 9:00, opened at 9:00:05 (the worker was busy): the second reminder, due at 9:02, would reach
    # people five seconds before the 9:02:05 close, with buttons that stop working at once.
    nine = world.clock.now().replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(days=1)
    await world.create(at=nine.isoformat(), closes_after="2m", reminder_after="1m")
    world.clock.set(nine + timedelta(seconds=5))
    await world.settle()
    for _ in range(4):
        await world.advance(timedelta(seconds=30))
    assert all(world.dm_count(person) == 2 for person in PEOPLE), "the invitation and one reminder"


async def test_invitations_still_queued_at_close_are_not_sent_after_it(world: PulseWorld) -> None:
    pulse_id = await world.create()
    await world.runtime.scheduler.run_due()  # the run opens and queues its invitations; none is sent yet
    assert await close_pulse(world.runtime, pulse_id) == 1
    await world.settle()
    assert all(world.dm_count(person) == 0 for person in PEOPLE)
    async with world.runtime.database.session() as session:
        reasons = (
            (
                await session.execute(
                    select(col(OutboxMessage.last_error)).where(col(OutboxMessage.purpose) == "pulse_invite")
                )
            )
            .scalars()
            .all()
        )
    assert reasons and set(reasons) == {CLOSED_BEFORE_SENT}
