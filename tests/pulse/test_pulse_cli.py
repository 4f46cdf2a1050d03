"""`clueline pulse ...` as an operator uses it: ids, the CONTRACT's JSON, exit codes and reasons."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import Callable
from datetime import timedelta

import pytest

from bot.cli import main
from tests.pulse.conftest import PEOPLE, PulseWorld

Cli = Callable[..., tuple[int, str, str]]


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Cli:
    """Run `clueline` on the test database; returns (exit code, stdout, stderr)."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("CLUELINE_ADMINS", "")
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "MICROSOFT_APP_ID"):
        monkeypatch.delenv(name, raising=False)

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def test_list_of_no_pulses_says_so_on_stderr_and_prints_nothing_to_parse(cli: Cli) -> None:
    code, out, err = cli("pulse", "list")
    assert (code, out) == (0, "") and "no pulses yet" in err
    assert cli("pulse", "list", "--json")[:2] == (0, "[]\n")


def test_an_audience_id_that_is_no_teams_conversation_or_person_is_pointed_out(cli: Cli) -> None:
    code, out, err = cli("pulse", "create", "--question", "enps", "--audience", "teams:aad-u1", "slack:C123")
    assert code == 0 and out.strip().isdigit()  # still created: the id is all stdout says
    assert "teams:aad-u1 is read as a conversation, but Teams conversation ids start with 19: or a:" in err
    assert "slack:C123" not in err


ENPS_TO_C123 = ("pulse", "create", "--question", "enps", "--audience", "slack:C123")


def test_a_bad_audience_is_explained_in_the_ids_of_the_platform_set_up(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in (
        ("MICROSOFT_APP_ID", "app"),
        ("MICROSOFT_APP_PASSWORD", "pw"),
        ("MICROSOFT_APP_TENANT_ID", "t"),
    ):
        monkeypatch.setenv(name, value)
    code, _, err = cli("pulse", "create", "--question", "enps", "--audience", "general")
    assert code == 1
    assert "'general' is not an audience; use e.g. teams:19:" in err and "slack:" not in err


def test_a_daily_pulse_open_three_days_is_created_with_a_note_that_its_runs_overlap(cli: Cli) -> None:
    daily = (*ENPS_TO_C123, "--every", "0 9 * * *")
    code, out, err = cli(*daily, "--tz", "Europe/Berlin")
    assert code == 0 and out.strip().isdigit()
    assert (
        "each run stays open 3d but the next one starts as soon as 1d later, so two runs are open at once for "
        "the same people; e.g. close after 1d"
    ) in err
    code, _, err = cli(*daily, "--tz", "Europe/Berlin", "--closes-after", "20h")
    assert code == 0 and "open at once" not in err


def test_a_weekday_pulse_counts_the_weekend_in_its_shortest_gap(cli: Cli) -> None:
    weekdays = (*ENPS_TO_C123, "--every", "0 9 * * MON,FRI")
    code, _, err = cli(*weekdays, "--tz", "UTC", "--closes-after", "3d")
    # Friday to Monday is 3 days, Monday to Friday 4: a 3-day run never meets the next.
    assert code == 0 and "open at once" not in err
    code, _, err = cli(*weekdays, "--tz", "UTC", "--closes-after", "3d1h")
    assert "each run stays open 3d1h but the next one starts as soon as 3d later" in err


def test_create_prints_the_new_id_and_list_shows_it(cli: Cli) -> None:
    code, out, _ = cli(
        "pulse",
        "create",
        "--question",
        "enps",
        "--audience",
        "slack:C123",
        "--every",
        "0 9 * * MON",
        "--tz",
        "Europe/Berlin",
        "--closes-after",
        "2d",
        "--reminder-after",
        "1d",
    )
    assert code == 0
    pulse_id = int(out.strip())
    code, out, _ = cli("pulse", "list", "--json")
    listed = json.loads(out)
    assert [entry["id"] for entry in listed] == [pulse_id]
    assert listed[0]["question"] == "Would you refer a friend to work here?"
    assert listed[0]["schedule"] == "every 0 9 * * MON (Europe/Berlin)"
    # The JSON's state is the text list's: no run yet, so "scheduled" in both.
    _, text, _ = cli("pulse", "list")
    assert listed[0]["state"] == "scheduled" and "\tscheduled\t" in text


def test_results_json_is_exactly_the_contract_shape_and_hidden_before_answers(cli: Cli) -> None:
    _, out, _ = cli(
        "pulse", "create", "--question", "enps", "--audience", "slack:C123", "--at", "2030-01-01T09:00:00Z"
    )
    pulse_id = int(out)
    code, out, _ = cli("pulse", "results", str(pulse_id), "--json")
    assert code == 0
    assert json.loads(out) == {
        "pulse": pulse_id,
        "audience": 0,
        "responses": 0,
        "hidden": True,
        "enps": None,
        "promoters": None,
        "passives": None,
        "detractors": None,
        "status": "not run yet",  # beside the contract's fields: zeros that are no results say why
    }


def test_close_closes_and_unknown_pulse_fails_with_a_reason(cli: Cli) -> None:
    _, out, _ = cli(
        "pulse",
        "create",
        "--question",
        "Do you have what you need?",
        "--kind",
        "yesno",
        "--audience",
        "slack:C1",
    )
    code, said, _ = cli("pulse", "close", out.strip())
    assert code == 0 and "it sends no more runs" in said
    _, listed, _ = cli("pulse", "list", "--json")
    assert json.loads(listed)[0]["status"] == "closed"
    code, _, err = cli("pulse", "results", "999", "--json")
    assert code == 1 and err.count("\n") == 1 and "no pulse 999" in err


@pytest.mark.parametrize(
    ("flags", "example"),
    [
        (["--every", "every monday", "--tz", "Europe/Berlin"], "0 9 * * MON"),
        (["--every", "0 9 * * MON", "--tz", "Mars/Olympus"], "Europe/Berlin"),
        (["--closes-after", "three days"], "3d"),
        (["--threshold", "2"], "at least 3"),
        (["--threshold", "99999999999999999999999"], "at most 1,000,000"),
        (["--at", "2027-03-28T02:30:00", "--tz", "Europe/Berlin"], "does not exist in Europe/Berlin"),
        (["--at", "9999-12-30T00:00:00Z"], "too far ahead"),
        (["--at", "tomorrow"], "2026-12-01T09:00:00+01:00"),
    ],
)
def test_bad_schedule_or_threshold_exits_1_with_one_line_and_an_example(
    cli: Cli, flags: list[str], example: str
) -> None:
    code, out, err = cli("pulse", "create", "--question", "enps", "--audience", "slack:C1", *flags)
    assert code == 1 and out == ""
    assert err.startswith("clueline: ") and err.count("\n") == 1 and example in err


def test_every_bad_field_is_named_at_once_in_one_line(cli: Cli) -> None:
    code, out, err = cli(
        "pulse", "create", "--question", "enps", "--audience", "#general",
        "--every", "0 9 * * MON", "--tz", "Berlin", "--closes-after", "3days",
    )  # fmt: skip
    assert code == 1 and out == "" and err.count("\n") == 1
    assert "'#general' is not an audience" in err
    assert "Unknown time zone 'Berlin'" in err and "Cannot read the duration '3days'" in err


def test_bad_audience_is_refused_with_an_example(cli: Cli) -> None:
    code, _, err = cli("pulse", "create", "--question", "enps", "--audience", "#general")
    assert code == 1 and "slack:C0123ABCD" in err


def test_a_mistyped_library_key_is_refused_with_the_keys_and_nothing_is_sent(cli: Cli) -> None:
    code, out, err = cli("pulse", "create", "--question", "enpss", "--audience", "slack:C1")
    assert code == 1 and out == ""
    assert "'enpss' is no library question (enps, obstacles" in err and err.count("\n") == 1
    assert cli("pulse", "list", "--json")[:2] == (0, "[]\n")
    # A question of one word is still a question when it asks: it goes out as free text.
    code, out, _ = cli("pulse", "create", "--question", "Thoughts?", "--audience", "slack:C1")
    assert code == 0 and out.strip().isdigit()


async def test_results_after_a_run_and_csv_export_escapes_formulas(world: PulseWorld, cli: Cli) -> None:
    pulse_id = await world.create(question="=1+1 How fair was this week?", kind="scale", closes_after="1d")
    await world.settle()
    for person, score in zip(PEOPLE[:5], ["5", "4", "4", "2", "1"], strict=True):
        await world.tap(person, score)
    world.clock.advance(timedelta(days=1, minutes=1))
    await world.settle()
    code, out, _ = await asyncio.to_thread(cli, "pulse", "results", str(pulse_id), "--json")
    assert code == 0
    assert json.loads(out) == {
        "pulse": pulse_id,
        "audience": 8,
        "responses": 5,
        "hidden": False,
        "distribution": {"1": 1, "2": 1, "3": 0, "4": 2, "5": 1},
        "mean": 3.2,
    }
    code, out, _ = await asyncio.to_thread(cli, "pulse", "results", str(pulse_id), "--csv")
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0][:3] == ["question", "run", "status"]
    assert rows[1][0] == "'=1+1 How fair was this week?"
    assert rows[1][2] == "closed"


async def test_an_open_runs_results_say_when_it_closes_in_the_companys_zone(
    world: PulseWorld, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLUELINE_TZ", "Europe/Berlin")
    pulse_id = await world.create(closes_after="1d")  # sent now (2026-06-01 09:00 UTC), closes a day later
    await world.settle()
    code, out, _ = await asyncio.to_thread(cli, "pulse", "results", str(pulse_id))
    assert (
        code == 0
        and "Results show when the pulse closes (2026-06-02 11:00 Europe/Berlin), not before." in out
    )


async def test_hidden_results_say_why_in_json_as_in_text(world: PulseWorld, cli: Cli) -> None:
    pulse_id = await world.create(closes_after="1d")
    await world.settle()
    _, out, _ = await asyncio.to_thread(cli, "pulse", "results", str(pulse_id), "--json")
    open_run = json.loads(out)
    assert open_run["hidden"] is True and open_run["enps"] is None
    assert open_run["hidden_reason"].startswith("Results show when the pulse closes (")
    for person in PEOPLE[:2]:
        await world.tap(person, "9")
    world.clock.advance(timedelta(days=1, minutes=1))
    await world.settle()
    _, out, _ = await asyncio.to_thread(cli, "pulse", "results", str(pulse_id), "--json")
    too_few = json.loads(out)
    assert (too_few["responses"], too_few["hidden"], too_few["promoters"]) == (2, True, None)
    assert too_few["hidden_reason"] == "Fewer than 5 people answered, so the results stay hidden."
    _, text, _ = await asyncio.to_thread(cli, "pulse", "results", str(pulse_id))
    assert text.splitlines()[-1] == too_few["hidden_reason"]


async def test_list_says_whether_a_pulse_is_scheduled_open_or_waiting_for_its_next_run(
    world: PulseWorld, cli: Cli
) -> None:
    weekly = await world.create(every="0 9 * * MON", tz="UTC", closes_after="1d")
    later = await world.create(at=(world.clock.now() + timedelta(days=30)).isoformat())

    def states() -> dict[int, str]:
        code, out, _ = cli("pulse", "list")
        assert code == 0
        return {int(line.split("\t")[0]): line.split("\t")[1] for line in out.splitlines()}

    world.clock.advance(timedelta(days=7))
    await world.settle()
    assert await asyncio.to_thread(states) == {weekly: "open", later: "scheduled"}
    code, out, _ = await asyncio.to_thread(cli, "pulse", "results", str(weekly))
    assert code == 0 and "hidden: yes" in out and "Results show when the pulse closes (" in out
    world.clock.advance(timedelta(days=1, minutes=1))
    await world.settle()
    assert (await asyncio.to_thread(states))[weekly] == "waiting for its next run"


def test_a_pulse_to_fewer_named_people_than_its_results_need_is_created_with_a_note(cli: Cli) -> None:
    three = ("--audience", "slack:U1", "slack:U2", "slack:U3")
    code, out, err = cli(
        "pulse", "create", "--question", "Do you have what you need?", "--kind", "yesno", *three
    )
    assert code == 0 and out.strip().isdigit()
    assert "it names 3 people, and its results show from 5 answers, so they never will" in err
    ten = tuple(f"slack:U{n}" for n in range(8))
    code, _, err = cli("pulse", "create", "--question", "What slows you down?", "--audience", *ten)
    assert code == 0 and "results show from 10 answers" in err  # written answers
    code, _, err = cli("pulse", "create", "--question", "enps", "--audience", *ten)
    assert code == 0 and "never will" not in err
