"""Attempts to tell who answered what, with full database access and debug logs; every one must fail."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import Date, DateTime, inspect, select, text
from sqlmodel import SQLModel, col

from bot.db.models import OutboxMessage
from bot.features.pulse import service
from bot.features.pulse.tables import PulseBallot, PulseInvitation, PulsePendingBallot, PulseRun
from tests.pulse.conftest import PEOPLE, PulseWorld, slack_user


async def _answered_and_closed(world: PulseWorld, scores: list[str], **options: object) -> int:
    pulse_id = await world.create(closes_after="1d", **options)
    await world.settle()
    for person, score in zip(PEOPLE, scores, strict=False):
        await world.tap(person, score)
    world.clock.advance(timedelta(days=1, minutes=1))
    await world.settle()
    return pulse_id


def test_no_column_or_key_joins_a_ballot_to_an_invitation() -> None:
    invitation = SQLModel.metadata.tables["pulse_invitation"]
    for name in ("pulse_ballot", "pulse_pending_ballot"):
        table = SQLModel.metadata.tables[name]
        shared = {column.name for column in table.columns} & {column.name for column in invitation.columns}
        assert shared <= {"id", "run_id", "segment"}
        assert {fk.column.table.name for fk in table.foreign_keys} == {"pulse_run"}
        assert not any(isinstance(column.type, DateTime) for column in table.columns), "no time of day"
        assert isinstance(table.columns["answered_on"].type, Date)
    assert not any(isinstance(column.type, DateTime) for column in invitation.columns), "no answered-at"


async def test_joining_every_ballot_with_every_invitation_finds_no_shared_value(world: PulseWorld) -> None:
    await _answered_and_closed(world, ["10", "9", "8", "7", "6", "5"])
    async with world.runtime.database.session() as session:
        ballots = (await session.execute(select(PulseBallot))).scalars().all()
        invitations = (await session.execute(select(PulseInvitation))).scalars().all()
        pending = (await session.execute(select(PulsePendingBallot))).scalars().all()
    assert len(ballots) == 6 and not pending

    def identifiers(row: PulseBallot | PulseInvitation) -> set[str]:
        # Small numbers (a score 8, the 8th invitation) coincide by chance; a key is a longer value.
        skipped = ("run_id", "segment", "answered_on")
        return {
            str(v)
            for k, v in row.model_dump().items()
            if k not in skipped and v is not None and len(str(v)) > 3
        }

    invitation_values = set().union(*(identifiers(invitation) for invitation in invitations))
    for ballot in ballots:
        assert not identifiers(ballot) & invitation_values, ballot


async def test_ballot_ids_and_storage_order_say_nothing_about_answer_order(world: PulseWorld) -> None:
    scores = [str(score) for score in range(8)]  # eight distinct answers, given in this order
    await _answered_and_closed(world, scores)
    database = world.runtime.database
    order_by = "" if database.is_sqlite else " ORDER BY ctid"
    async with database.session() as session:
        stored = [
            row[0] for row in (await session.execute(text(f"SELECT value FROM pulse_ballot{order_by}"))).all()
        ]
        ids = [row[0] for row in (await session.execute(text("SELECT id FROM pulse_ballot"))).all()]
    assert sorted(stored) == sorted(scores)
    assert stored != scores, "storage order is not answer order"
    assert all(len(ballot_id) == 36 and ballot_id.count("-") == 4 for ballot_id in ids), "random UUIDs"


async def test_on_sqlite_ballots_have_no_rowid(world: PulseWorld) -> None:
    if not world.runtime.database.is_sqlite:
        pytest.skip("SQLite's rowid only")
    await _answered_and_closed(world, ["9"] * 5)
    async with world.runtime.database.session() as session:
        with pytest.raises(Exception, match="rowid"):
            await session.execute(text("SELECT rowid FROM pulse_ballot"))


async def test_postgresql_transaction_ids_of_ballots_match_no_invitation_after_mixing(
    world: PulseWorld,
) -> None:
    if world.runtime.database.is_sqlite:
        pytest.skip("xmin is PostgreSQL's")
    pulse_id = await world.create(closes_after="1d")
    await world.settle()
    for person in PEOPLE[:6]:
        await world.tap(person, "9")
    async with world.runtime.database.session() as session:
        invitation_xmins = {
            row[0] for row in (await session.execute(text("SELECT xmin::text FROM pulse_invitation"))).all()
        }
        pending_xmins = {
            row[0]
            for row in (await session.execute(text("SELECT xmin::text FROM pulse_pending_ballot"))).all()
        }
    # Before mixing, each fresh answer shares its transaction with the invitation it flipped...
    assert len(pending_xmins & invitation_xmins) == 6
    world.clock.advance(timedelta(days=1, minutes=1))
    await world.settle()
    async with world.runtime.database.session() as session:
        invitation_xmins = {
            row[0] for row in (await session.execute(text("SELECT xmin::text FROM pulse_invitation"))).all()
        }
        ballot_xmins = {
            row[0] for row in (await session.execute(text("SELECT xmin::text FROM pulse_ballot"))).all()
        }
        pending = (await session.execute(text("SELECT count(*) FROM pulse_pending_ballot"))).scalar_one()
    # ...after it, the ballots were all written by one transaction that touched no invitation.
    assert pending == 0 and len(ballot_xmins) == 1
    assert not ballot_xmins & invitation_xmins
    assert pulse_id


async def test_timestamps_give_only_the_day_which_everyone_shares(world: PulseWorld) -> None:
    pulse_id = await world.create(closes_after="2d")
    await world.settle()
    for minutes, person in enumerate(PEOPLE[:6]):
        world.clock.advance(timedelta(minutes=minutes * 7))
        await world.tap(person, str(minutes + 3))
    world.clock.advance(timedelta(days=2))
    await world.settle()
    async with world.runtime.database.session() as session:
        days = {ballot.answered_on for ballot in (await session.execute(select(PulseBallot))).scalars().all()}
        inspector_columns = await session.run_sync(
            lambda sync: [column["name"] for column in inspect(sync.connection()).get_columns("pulse_ballot")]
        )
    assert days == {date(2026, 6, 1)}
    assert "created_at" not in inspector_columns and "updated_at" not in inspector_columns
    assert pulse_id


async def test_debug_logs_never_put_a_person_next_to_an_answer(
    world: PulseWorld, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    answers = {person: f"pineapple-{person.lower()}-answer" for person in PEOPLE[:6]}
    await world.create(question="What gets in the way of doing your job well?", closes_after="1d")
    await world.settle()
    for person, answer in answers.items():
        await world.act(person, f"pulse.textform:{world.tokens(person)[0]}", answer=answer)
    world.clock.advance(timedelta(days=1, minutes=1))
    await world.settle()
    assert caplog.records, "debug logging was captured"
    for record in caplog.records:
        line = record.getMessage() + " " + " ".join(str(arg) for arg in (record.args or ()))
        mentioned_people = [person for person in PEOPLE if person in line]
        mentioned_answers = [answer for answer in answers.values() if answer in line]
        assert not (mentioned_people and mentioned_answers), line
        assert not mentioned_answers, f"an answer reached the logs: {line}"


async def test_a_small_segment_is_pooled_and_cannot_be_recovered_by_subtraction(world: PulseWorld) -> None:
    world.slack.members["C2"] = [slack_user("V1"), slack_user("V2")]  # two people: below the threshold
    world.slack.members["C3"] = [slack_user(f"W{n}") for n in range(1, 7)]
    world.slack.members["C1"] = [slack_user(person) for person in PEOPLE[:6]]
    pulse_id = await world.create(audience=["slack:C1", "slack:C2", "slack:C3"], closes_after="1d")
    await world.settle()
    for person in [*PEOPLE[:6], "V1", "V2", "W1", "W2", "W3", "W4"]:
        await world.tap(person, "10" if person.startswith("V") else "8")
    world.clock.advance(timedelta(days=1, minutes=1))
    await world.settle()
    async with world.runtime.database.session() as session:
        segments = [ballot.segment for ballot in (await session.execute(select(PulseBallot))).scalars().all()]
    assert "slack:C2" not in segments, "a segment of two does not label its ballots"
    found = await service.latest_results(world.runtime, pulse_id)
    assert found is not None and found[1] is not None
    view = found[1]
    shown = set(view.segments)
    # C3 (4 answers) is hidden; the total and C1 must not both show, or C3 = total - C1 - pooled.
    assert "slack:C3" not in shown
    assert not (view.published.total_visible and {"slack:C1", "(pooled)"} <= view.published.visible)
    assert not (
        view.published.total_visible
        and "slack:C1" in view.published.visible
        and view.published.responses.get("(pooled)", 0) == 0
    )


async def test_runs_share_no_ballots_so_their_difference_isolates_no_one(world: PulseWorld) -> None:
    pulse_id = await world.create(every="0 9 * * MON", tz="UTC", closes_after="1d")
    for week, scores in enumerate((["9"] * 5, ["9"] * 5 + ["0"])):
        world.clock.set(datetime(2026, 6, 8 + 7 * week, 9, 1, tzinfo=world.clock.now().tzinfo))
        await world.settle()
        for person, score in zip(PEOPLE, scores, strict=False):
            await world.tap(person, score)
        world.clock.advance(timedelta(days=1, minutes=1))
        await world.settle()
    async with world.runtime.database.session() as session:
        runs = (await session.execute(select(PulseRun).order_by(col(PulseRun.id)))).scalars().all()
        counts = [
            len(
                (await session.execute(select(PulseBallot).where(col(PulseBallot.run_id) == run.id)))
                .scalars()
                .all()
            )
            for run in runs
        ]
    assert counts == [5, 6], "each run counts only its own answers, never a running total"
    assert pulse_id


async def test_sent_invitations_and_reminders_leave_no_answer_token_in_the_outbox(world: PulseWorld) -> None:
    await world.create(closes_after="5d", reminder_after="1d")
    await world.settle()
    world.clock.advance(timedelta(days=1, minutes=1))
    await world.settle()
    tokens = [token for person in PEOPLE for token in world.tokens(person)]
    assert len(tokens) == 2 * len(PEOPLE), "an invitation and a reminder each"
    async with world.runtime.database.session() as session:
        kept = " ".join((await session.execute(select(col(OutboxMessage.message)))).scalars())
    assert not [token for token in tokens if token in kept], "a database reader could answer for someone"
    await world.tap("U1", "9", token=world.tokens("U1")[-1])  # the person's own buttons still work
