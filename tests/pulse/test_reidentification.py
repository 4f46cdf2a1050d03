"""The attacks of a database reader, a log reader and a curious comms lead; every one must recover nothing.

The evidence comes from a whole pulse run through the real doors (tests/pulse/attack_scenario.py): signed
Slack clicks and modal submits, authenticated Teams card submits, the command line, a server logging at
DEBUG, and copies of every table (with rowid, xmin, ctid), of PostgreSQL's raw heap pages and of
SQLite's files, taken while the run was open and after it closed.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import col

from bot.db.models import OutboxMessage
from bot.features.pulse import texts
from bot.features.pulse.closing import close_pulse
from bot.features.pulse.tables import PulseBallot, PulseRun
from tests.conftest import fresh_database
from tests.pulse.attack_scenario import (
    COMMENTS,
    CUSTOMER_EMAIL,
    OUTSIDER,
    SCORES,
    SLACK_SMALL_CHANNEL,
    Evidence,
    Row,
    Snapshot,
    run_scenario,
)
from tests.pulse.conftest import PEOPLE, PulseWorld, slack_user
from tests.slack.payloads import TEAM

ANSWER_ACTION = re.compile(r"pulse\.answer\.(\d+)")
SYSTEM_COLUMNS = {"id", "run_id", "rowid", "xmin", "ctid", "pulse_id", "outbox_id"}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def evidence(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Evidence:
    """One whole pulse run per database, watched by the attacker."""
    folder = tmp_path_factory.mktemp(f"attack-{request.param}")
    url = fresh_database(request.param, sqlite_template, folder)
    return asyncio.run(run_scenario(url, folder))


def _readable_answer(row: Row) -> str | None:
    """What an attacker reads as a score from a row: a short 0-10 value in any column not an id."""
    for name, value in row.items():
        if name in SYSTEM_COLUMNS or not isinstance(value, str | int) or isinstance(value, bool):
            continue
        text = str(value).strip()
        if text.isdigit() and 0 <= int(text) <= 10 and len(text) <= 2:
            return text
    return None


def _readable_comment(row: Row) -> str | None:
    text = json.dumps(row, default=str)
    return next((comment for comment in COMMENTS.values() if comment in text), None)


def _person_of_transaction(snapshot: Snapshot) -> dict[str, str]:
    """PostgreSQL: the transaction that last wrote each invitation, to its person."""
    return {
        str(row["xmin"]): str(row["person"]).partition(":")[2] for row in snapshot.tables["pulse_invitation"]
    }


def _decoded_attributes(tuple_row: Row) -> Row:
    """A raw heap tuple's attributes as text, as far as they decode (short varlena: one header byte)."""
    decoded: Row = {}
    for index, raw in enumerate(tuple_row.get("t_attrs") or []):
        if raw is None:
            continue
        data = bytes(raw)
        if data and data[0] & 1:
            data = data[1:]
        decoded[f"attr{index}"] = data.decode("utf-8", errors="ignore")
    return decoded


def test_no_row_of_any_table_holds_a_person_beside_their_answer(evidence: Evidence) -> None:
    """Attack 1 (dedupe keys and every other table): a person's id with their token, click or comment."""
    leaks = []
    for moment, snapshot in (("open", evidence.open_run), ("closed", evidence.closed)):
        for table, rows in snapshot.tables.items():
            for row in rows:
                text = json.dumps(row, default=str)
                clicked = set(ANSWER_ACTION.findall(text))
                for person, score in SCORES.items():
                    if person not in text:
                        continue
                    own = [t for t in evidence.tokens.get(person, []) if t in text]
                    if own or clicked == {score} or COMMENTS.get(person, "\0") in text:
                        leaks.append(f"{moment} {table}: {person} -> {text[:200]}")
    assert not leaks, leaks[:5]


def test_while_the_run_is_open_no_storage_trace_joins_a_readable_answer_to_a_person(
    evidence: Evidence,
) -> None:
    """Attack 2: rowid order (given the true answer order) on SQLite; shared xmin on PostgreSQL."""
    pending = evidence.open_run.tables["pulse_pending_ballot"]
    assert len([r for r in pending if _readable_comment(r) is None]) >= len(SCORES) - len(COMMENTS), (
        "answers pend"
    )
    recovered: dict[str, str] = {}
    if evidence.backend == "postgresql":
        people = _person_of_transaction(evidence.open_run)
        for row in pending:
            person = people.get(str(row["xmin"]))
            value = _readable_answer(row) or _readable_comment(row)
            if person and value:
                recovered[person] = value
    else:
        answers = sorted((r for r in pending if _readable_comment(r) is None), key=lambda r: r["rowid"])
        for person, row in zip(evidence.answer_order, answers, strict=False):
            value = _readable_answer(row)
            if value is not None:
                recovered[person] = value
        comments = sorted((r for r in pending if _readable_comment(r)), key=lambda r: r["rowid"])
        for person, row in zip(COMMENTS, comments, strict=False):
            recovered[person + ":comment"] = str(_readable_comment(row))
    right = {
        p: v for p, v in recovered.items() if v in (SCORES.get(p), COMMENTS.get(p.removesuffix(":comment")))
    }
    assert not right, f"the attacker recovered {len(right)} answers: {right}"
    assert not recovered, "nothing in a pending ballot is readable"


def test_after_close_nothing_of_the_pending_ballots_is_recoverable(evidence: Evidence) -> None:
    """Attack 3: dead tuples joined on t_xmin (PostgreSQL); deleted rows in the file and its WAL (SQLite)."""
    if evidence.backend == "postgresql":
        people = _person_of_transaction(evidence.closed)
        recovered = {}
        for tuple_row in evidence.closed.heap["pulse_pending_ballot"]:
            person = people.get(str(tuple_row["t_xmin"]))
            value = _readable_answer(_decoded_attributes(tuple_row))
            if person and value == SCORES.get(person):
                recovered[person] = value
        assert not recovered, f"dead tuples gave {recovered}"
        assert evidence.closed.heap["pulse_pending_ballot"] == [], "VACUUM left no tuple behind"
    else:
        sealed = [str(row.get("sealed")) for row in evidence.open_run.tables["pulse_pending_ballot"]]
        assert sealed and all(len(value) > 100 for value in sealed), "pending ballots are sealed"
        assert not [value for value in sealed if evidence.closed.files_holding(value[:64])]
    assert evidence.closed.tables["pulse_pending_ballot"] == []


def test_while_the_run_is_open_no_stored_event_shows_a_comment_beside_its_author(evidence: Evidence) -> None:
    """Attack 3b: the events as stored before their ack (person and answer) in rows, dead tuples, free pages, WALs.

    While the run is open no answer is readable anywhere (pending ballots are sealed), so a comment's text
    anywhere in the files could only be an acknowledged event's, beside the person who sent it.
    """
    if evidence.backend == "postgresql":
        stored = [json.dumps(_decoded_attributes(row)) for row in evidence.open_run.heap["inbound_event"]]
        stored += [json.dumps(row, default=str) for row in evidence.open_run.tables["inbound_event"]]
        found = [comment for comment in COMMENTS.values() if any(comment in text for text in stored)]
    else:
        found = [
            f"{comment} in {evidence.open_run.files_holding(comment)}"
            for comment in COMMENTS.values()
            if evidence.open_run.files_holding(comment)
        ]
    assert not found, f"the stored events show {found}"


def test_a_segment_keeps_its_label_only_when_its_answers_reach_the_threshold(evidence: Evidence) -> None:
    """Attack 4: a channel of five with one answer must not label that answer as the channel's; nor may the
    ballots left unlabelled (that answer and the three named people's) be a group of fewer than the threshold,
    told apart from a large channel's labelled ones."""
    ballots = evidence.closed.tables["pulse_ballot"]
    labels = Counter(row["segment"] for row in ballots if row["segment"])
    small = [label for label, count in labels.items() if count < evidence.threshold]
    assert not small, f"segments {small} label fewer than {evidence.threshold} ballots"
    unlabelled = sum(1 for row in ballots if row["value"] is not None and not row["segment"])
    assert unlabelled == 0 or unlabelled >= evidence.threshold, f"{unlabelled} unlabelled ballots stand apart"
    assert not [row for row in ballots if row["segment"] == "slack:C2"]
    assert SLACK_SMALL_CHANNEL[0] in SCORES


def test_two_results_whose_audiences_differ_by_one_person_never_both_show(evidence: Evidence) -> None:
    """Attack 5: the same question to the same people and one more; the difference would be that one."""
    first, second = evidence.results["first"], evidence.results["second"]
    assert first["hidden"] is False, "the first result shows"
    assert second["hidden"] is True, f"the second would expose {OUTSIDER}: {second}"
    assert second["enps"] is None and second["detractors"] is None


def test_a_pulse_to_named_people_cannot_lower_the_threshold_below_five(evidence: Evidence) -> None:
    """Attack 5 (colluders): three named people and a threshold of 3, two colluding, reveal the third."""
    refused = evidence.named_low_threshold
    assert refused.returncode != 0 and "at least 5" in refused.stderr, refused


def test_no_stored_event_key_is_recomputed_from_a_person_and_a_message(evidence: Evidence) -> None:
    """A Slack click's id names the person and the message (the outbox holds both); a plain hash of it,
    recomputed for each person and message, would say who pressed when."""
    people = {person for person in evidence.answer_order if person.startswith("U")}
    assert people
    guesses = {
        hashlib.sha256(
            f"slack:act:{TEAM}:{person}:1700000100.{n:06d}:1800000000.{n:06d}".encode()
        ).hexdigest()
        for person in people
        for n in range(1, 400)
    }
    stored = {
        str(value)
        for snapshot in (evidence.open_run, evidence.closed)
        for rows in snapshot.tables.values()
        for row in rows
        for value in row.values()
    }
    assert not guesses & stored


def test_ballots_keep_no_day_or_time(evidence: Evidence) -> None:
    """Attack 6: dates join a ballot to whoever answered on that day (after a reminder, say)."""
    for row in evidence.closed.tables["pulse_ballot"]:
        for name, value in row.items():
            assert not isinstance(value, date | datetime), f"pulse_ballot.{name} is a date"
            if isinstance(value, str):
                assert not re.fullmatch(r"\d{4}-\d{2}-\d{2}.*", value), f"pulse_ballot.{name} = {value}"


def test_the_debug_log_holds_no_token_email_progress_or_person_beside_an_answer(evidence: Evidence) -> None:
    """Attack 7: every line the server wrote at DEBUG, its libraries' included."""
    log = evidence.log
    assert " DEBUG " in log, "the server logged at DEBUG"
    tokens = [token for person_tokens in evidence.tokens.values() for token in person_tokens]
    assert not [token for token in tokens if token in log], "a log reader could answer as someone"
    assert CUSTOMER_EMAIL not in log and "xoxb-attack-test-token" not in log
    assert not re.search(r"\b\d+ of \d+ answered\b", log), "per-person progress gives the answer order"
    assert not [comment for comment in COMMENTS.values() if comment in log]
    for line in log.splitlines():
        for person, score in SCORES.items():
            assert not (person in line and set(ANSWER_ACTION.findall(line)) == {score}), line


def test_someone_elses_or_a_made_up_token_gets_the_reply_any_refusal_gets(evidence: Evidence) -> None:
    """Bad input: a refusal never tells whether the token's owner was invited or has answered."""
    assert evidence.refusals["someone else's token"] == texts.REFUSED
    assert evidence.refusals["made-up token"] == texts.REFUSED
    assert evidence.refusals["second answer"] == texts.ALREADY_ANSWERED


async def test_the_only_answer_after_a_reminder_is_not_told_apart_by_its_day(world: PulseWorld) -> None:
    """Attack 6 in time: one person answers a day later, after the reminder; ballots must not say which."""
    await world.create(closes_after="3d", reminder_after="1d")
    await world.settle()
    for person in PEOPLE[:5]:
        await world.tap(person, "9")
    world.clock.advance(timedelta(days=1, minutes=1))
    await world.settle()
    await world.tap(PEOPLE[5], "0")
    world.clock.advance(timedelta(days=2))
    await world.settle()
    async with world.runtime.database.session() as session:
        ballots = [b.model_dump() for b in (await session.execute(select(PulseBallot))).scalars().all()]
    assert len(ballots) == 6
    late = [b for b in ballots if b["value"] == "0"]
    for name in late[0]:
        if name in ("id", "value", "comment"):
            continue
        assert len({str(b[name]) for b in ballots}) == 1, f"pulse_ballot.{name} sets the late answer apart"


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


async def test_the_one_ballot_left_without_a_label_is_not_the_lone_answer_of_a_small_channel(
    world: PulseWorld,
) -> None:
    """A reader of the two tables: the large channel's ballots keep their label, so the only unlabelled ballot
    would be the one answer from outside it, and the invitations say whose that is."""
    large, small = [f"UA{n:02d}" for n in range(10)], [f"UC{n:02d}" for n in range(5)]
    world.add_members("CA", [slack_user(person) for person in large])
    world.add_members("CC", [slack_user(person) for person in small])
    pulse_id = await world.create(audience=["slack:CA", "slack:CC"])
    await world.settle()
    for index, person in enumerate(large):
        await world.tap(person, str(6 + index % 5))
    await world.tap(small[2], "1")
    world.clock.advance(timedelta(days=1))
    assert await close_pulse(world.runtime, pulse_id) == 1
    async with world.runtime.database.session() as session:
        ballots = (await session.execute(select(PulseBallot))).scalars().all()
    unlabelled = [ballot.value for ballot in ballots if ballot.segment is None]
    assert len(ballots) == 11
    assert len(unlabelled) in (0, 11) or len(unlabelled) >= 5, (
        f"{unlabelled} set apart from the labelled rest"
    )
