"""A comms lead comparing results of two runs must not learn one person's answer (overlap.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.features.link.assembly import link_report
from bot.features.link.teams import build_team, save_team
from bot.features.pulse.closing import close_pulse
from bot.features.pulse.views import RunView, latest_results
from tests.pulse.conftest import PEOPLE, PulseWorld, slack_user
from tests.support.wiring import features_of


async def _hidden(world: PulseWorld, pulse_id: int) -> bool:
    world.clock.advance(timedelta(minutes=5))
    assert await close_pulse(world.runtime, pulse_id) == 1
    shown = await latest_results(world.runtime, pulse_id)
    assert shown is not None and shown[1] is not None
    return bool(shown[1].results["hidden"])


async def test_a_reworded_enps_to_the_same_people_but_one_is_hidden(world: PulseWorld) -> None:
    six = [f"slack:{p}" for p in PEOPLE[:6]]
    first = await world.create(audience=six)
    await world.settle()
    for person, score in zip(PEOPLE[:6], ["10", "9", "8", "7", "3", "2"], strict=True):
        await world.tap(person, score)
    assert not await _hidden(world, first)
    reworded = await world.create(
        question="On a scale from 0 to 10, how likely are you to recommend working here to a friend?",
        kind="enps",
        audience=six[:5],
    )
    await world.settle()
    for person, score in zip(PEOPLE[:5], ["10", "9", "8", "7", "3"], strict=True):
        await world.tap(person, score)
    assert await _hidden(world, reworded)


async def test_one_channel_asked_twice_at_once_hides_the_run_one_more_person_answered(
    world: PulseWorld,
) -> None:
    question = {"question": "Do you see yourself working here in two years?", "kind": "yesno"}
    first = await world.create(**question)
    await world.settle()  # each person's first invitation is the first pulse's
    second = await world.create(**question)
    await world.settle()
    for person, choice in zip(PEOPLE[:5], ["yes", "yes", "no", "yes", "no"], strict=True):
        await world.tap(person, choice, world.tokens(person)[0])
        await world.tap(person, choice, world.tokens(person)[1])
    assert not await _hidden(world, first)
    await world.tap(PEOPLE[5], "no", world.tokens(PEOPLE[5])[1])
    assert await _hidden(world, second)


async def test_three_results_each_far_from_the_others_do_not_add_up_to_one_persons_answer(
    world: PulseWorld,
) -> None:
    # P and Q are three people each, x one more: P+Q+x less P less Q is x's answer, though any two of the three
    # results differ by four people or more.
    members = {"CP": PEOPLE[:3], "CQ": PEOPLE[3:6], "CX": PEOPLE[6:7]}
    for channel, people in members.items():
        world.add_members(channel, [slack_user(p) for p in people])
    scores = dict(zip(PEOPLE[:7], ["10", "9", "3", "10", "8", "2", "0"], strict=True))

    async def asked(*channels: str) -> int:
        pulse_id = await world.create(audience=[f"slack:{c}" for c in channels], threshold=3)
        await world.settle()
        for person in (p for channel in channels for p in members[channel]):
            await world.tap(person, scores[person])
        return pulse_id

    assert not await _hidden(world, await asked("CP"))
    assert not await _hidden(world, await asked("CQ"))
    assert await _hidden(world, await asked("CP", "CQ", "CX"))


async def test_a_run_closed_late_is_judged_after_the_run_shown_before_it(world: PulseWorld) -> None:
    # The first pulse was due to close after a minute, but no worker closed it: the second, to the same people
    # but one, is closed and shown first; the first, closed afterwards, must not show its one extra answer.
    everyone = await world.create(audience=[f"slack:{p}" for p in PEOPLE[:6]], closes_after="1m")
    all_but_one = await world.create(audience=[f"slack:{p}" for p in PEOPLE[:5]])
    await world.settle()
    for person, score in zip(PEOPLE[:6], ["10", "9", "8", "7", "3", "0"], strict=True):
        await world.tap(person, score, world.tokens(person)[0])
        if person != PEOPLE[5]:
            await world.tap(person, score, world.tokens(person)[1])
    assert not await _hidden(world, all_but_one)
    assert await _hidden(world, everyone)


async def _enps_in(world: PulseWorld, month: int, channels: dict[str, list[str]]) -> None:
    """An eNPS to these channels (in this order) on the 10th of `month`, everyone answering 9, then closed."""
    for channel, people in channels.items():
        world.add_members(channel, [slack_user(person) for person in people])
    world.clock.set(datetime(2026, month, 10, 9, tzinfo=UTC))
    pulse_id = await world.create(audience=[f"slack:{channel}" for channel in channels])
    await world.settle()
    for person in sorted({person for people in channels.values() for person in people}):
        await world.tap(person, "9")
    world.clock.advance(timedelta(days=1))
    assert await close_pulse(world.runtime, pulse_id) == 1
    await world.settle()


async def _alpha_by_month(world: PulseWorld) -> dict[str, dict[str, Any]]:
    report = await link_report(world.runtime, features_of(world.runtime).link.sources, 2)
    return {row["month"]: row for row in report.teams[0].rows}


TEN = {channel: [f"U{channel}{n:02d}" for n in range(10)] for channel in ("CA", "CB", "CC")}


async def test_a_channel_one_person_larger_than_last_month_does_not_show_as_its_team(
    world: PulseWorld,
) -> None:
    # July's total shows (a new channel of ten came in) but its CA segment does not: it differs from June's by
    # the one who joined. Team Alpha (CA) in July would be that segment, and less June's, the joiner.
    await save_team(world.runtime, build_team("Alpha", ["slack:CA"]), "slack:ULEAD")
    await _enps_in(world, 6, {"CA": TEN["CA"], "CB": TEN["CB"]})
    await _enps_in(world, 7, {"CA": [*TEN["CA"], "UJOINER"], "CC": TEN["CC"]})
    months = await _alpha_by_month(world)
    assert months["2026-06"]["enps"] is not None
    assert months["2026-07"]["enps"] is None, months["2026-07"]


async def test_the_same_audience_in_another_order_does_not_move_a_person_between_teams(
    world: PulseWorld,
) -> None:
    # Someone in both channels counts in the first one the audience names: CA in June, CB in July. July's CA
    # segment (one person fewer) is hidden in the run's results, so it must be in the link report too.
    both = "UBOTH"
    await save_team(world.runtime, build_team("Alpha", ["slack:CA"]), "slack:ULEAD")
    await _enps_in(world, 6, {"CA": [*TEN["CA"], both], "CB": [*TEN["CB"], both]})
    await _enps_in(world, 7, {"CB": [*TEN["CB"], both], "CA": [*TEN["CA"], both]})
    months = await _alpha_by_month(world)
    assert months["2026-06"]["enps"] is not None
    assert months["2026-07"]["enps"] is None, months["2026-07"]


NOBODY = [f"slack:UNOBODY{n}" for n in range(4)]  # named, but never answering: ids of nobody, people away


async def _closed_results(world: PulseWorld, audience: list[str], scores: dict[str, str]) -> dict[str, Any]:
    pulse_id = await world.create(audience=audience)
    await world.settle()
    for person, score in scores.items():
        await world.tap(person, score)
    world.clock.advance(timedelta(days=2))
    assert await close_pulse(world.runtime, pulse_id) == 1
    shown = await latest_results(world.runtime, pulse_id)
    assert shown is not None and shown[1] is not None
    world.clock.advance(timedelta(days=30))
    return dict(shown[1].results)


async def test_an_audience_padded_with_people_who_never_answer_still_differs_by_the_one_who_did(
    world: PulseWorld,
) -> None:
    team = {person: score for person, score in zip(PEOPLE[:6], ["10", "9", "9", "8", "7", "6"], strict=True)}
    world.add_members("CA", [slack_user(person) for person in team])
    assert not (await _closed_results(world, ["slack:CA"], team))["hidden"]
    padded = await _closed_results(
        world, ["slack:CA", f"slack:{PEOPLE[6]}", *NOBODY], {**team, PEOPLE[6]: "2"}
    )
    assert padded["hidden"], "less the first run, it would be the one newcomer's answer"


async def test_padding_does_not_hide_one_person_from_the_audit_of_three_results(world: PulseWorld) -> None:
    p, q, newcomer = [f"UP{n}" for n in range(5)], [f"UQ{n}" for n in range(5)], "UNEW"
    world.add_members("CP", [slack_user(person) for person in p])
    world.add_members("CQ", [slack_user(person) for person in q])
    assert not (await _closed_results(world, ["slack:CP"], dict.fromkeys(p, "9")))["hidden"]
    assert not (await _closed_results(world, ["slack:CQ"], dict.fromkeys(q, "5")))["hidden"]
    everyone = await _closed_results(
        world,
        ["slack:CP", "slack:CQ", f"slack:{newcomer}", *NOBODY],
        {**dict.fromkeys(p, "9"), **dict.fromkeys(q, "5"), newcomer: "8"},
    )
    assert everyone["hidden"], "less the first two, it would be the one newcomer's answer"


async def test_five_results_to_one_person_and_others_less_one_to_the_others_do_not_give_that_persons_answer(
    world: PulseWorld,
) -> None:
    # Promoters of the five less the sixth's are five times x's plus at most four: divided by five, x's.
    groups = [[f"UG{i}{j}" for j in range(4)] for i in range(5)]
    others = [person for group in groups for person in group]
    scores = {
        person: ["10", "9", "8", "7", "6", "3", "0", "10", "2", "9"][n % 10]
        for n, person in enumerate(others)
    }
    shown = [
        await _closed_results(
            world, [f"slack:{p}" for p in ["UX", *group]], {"UX": "10", **{p: scores[p] for p in group}}
        )
        for group in groups
    ]
    rest = [person for person in others if person not in {groups[i][0] for i in range(4)}]
    last = await _closed_results(world, [f"slack:{p}" for p in rest], {p: scores[p] for p in rest})
    assert not any(result["hidden"] for result in shown)
    assert last["hidden"], "with the five, it would give the one person's answer"


async def test_three_results_whose_sum_counts_every_group_twice_do_not_give_one_persons_answer(
    world: PulseWorld,
) -> None:
    # Promoters of the three add up to x's and twice every group's: odd exactly when x is a promoter.
    # Everyone is named, so the results have no segments: only the three totals are published.
    groups = [[f"UG{i}{n}" for n in range(5)] for i in range(3)]

    async def asked(*people: str) -> dict[str, Any]:
        return await _closed_results(world, [f"slack:{p}" for p in people], dict.fromkeys(people, "9"))

    assert not (await asked("UX", *groups[0], *groups[1]))["hidden"]
    assert not (await asked(*groups[0], *groups[2]))["hidden"]
    assert (await asked(*groups[1], *groups[2]))["hidden"], "added to the two before, its parity would be x's"


async def test_a_closed_runs_decision_is_kept_so_showing_it_again_needs_no_new_audit(
    world: PulseWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every `clueline pulse results` is a new process: the audit of a year of runs (seconds) must not run again.
    members = {"CP": PEOPLE[:3], "CQ": PEOPLE[3:6], "CX": PEOPLE[6:7]}
    for channel, people in members.items():
        world.add_members(channel, [slack_user(p) for p in people])
    pulses = []
    for channels in (["CP"], ["CQ"], ["CP", "CQ", "CX"]):
        pulse_id = await world.create(audience=[f"slack:{c}" for c in channels], threshold=3)
        await world.settle()
        for person in (p for channel in channels for p in members[channel]):
            await world.tap(person, "9")
        await _hidden(world, pulse_id)
        pulses.append(pulse_id)
    before = [await latest_results(world.runtime, pulse_id) for pulse_id in pulses]

    def audit_again(*_: object) -> str:
        raise AssertionError("a closed run's results were audited again")

    monkeypatch.setattr("bot.features.pulse.overlap.audit_audiences", audit_again)
    after = [await latest_results(world.runtime, pulse_id) for pulse_id in pulses]
    assert [shown[1] for shown in after if shown] == [shown[1] for shown in before if shown]
    hidden = [shown[1].reason for shown in after if shown and shown[1]]
    assert hidden[:2] == [None, None] and hidden[2] is not None and "fewer than 3" in hidden[2]


async def _shown_after_a_day(world: PulseWorld, pulse_id: int) -> RunView:
    await world.advance(timedelta(days=1, minutes=1))
    found = await latest_results(world.runtime, pulse_id)
    assert found is not None and found[1] is not None
    return found[1]


async def test_a_person_the_run_never_reached_is_not_counted_as_asked(world: PulseWorld) -> None:
    # The comms lead sends "at 09:00 each person's time", closes once Berlin has answered, and the report of
    # who was not reached names the one person in Los Angeles: the same channel's two results differ by them.
    berlin = [f"UB{n}" for n in range(1, 9)]
    scores = dict(zip([*berlin, "UWEST"], ["9", "10", "7", "8", "9", "3", "9", "10", "4"], strict=True))
    zones = {person: "Europe/Berlin" for person in berlin} | {"UWEST": "America/Los_Angeles"}
    world.add_members("CT", [slack_user(p).model_copy(update={"time_zone": zones[p]}) for p in zones])
    everyone = await world.create(audience=["slack:CT"], closes_after="1d")
    await world.settle()
    for person, score in scores.items():
        await world.tap(person, score)
    assert not (await _shown_after_a_day(world, everyone)).results["hidden"]
    morning = datetime(2026, 6, 9, 9, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    local = await world.create(
        audience=["slack:CT"],
        at=morning.isoformat(),
        tz="Europe/Berlin",
        recipient_local_time=True,
        closes_after="3d",
        now=world.clock.now(),
    )
    world.clock.set(morning - timedelta(hours=26))
    await world.settle()
    world.clock.set(morning + timedelta(minutes=1))
    await world.settle()
    for person in berlin:
        await world.tap(person, scores[person])
    world.clock.set(morning + timedelta(hours=3))
    assert await close_pulse(world.runtime, local) == 1
    found = await latest_results(world.runtime, local)
    assert found is not None and found[1] is not None
    assert found[1].results["hidden"], "less the first result, it would be the unreached person's answer"
    assert found[1].reason is not None and "differs from this one by 1 person" in found[1].reason


async def test_a_later_run_at_a_lower_threshold_keeps_the_earlier_runs_promise(world: PulseWorld) -> None:
    team = [f"UA{n}" for n in range(1, 9)]
    world.add_members("CTEAM", [slack_user(p) for p in team])
    world.add_members("CCORE", [slack_user(p) for p in team[:5]])
    scores = dict(zip(team, ["9", "10", "7", "3", "9", "9", "8", "2"], strict=True))
    everyone = await world.create(audience=["slack:CTEAM"], closes_after="1d")  # threshold 5
    await world.settle()
    for person in team:
        await world.tap(person, scores[person])
    assert not (await _shown_after_a_day(world, everyone)).results["hidden"]
    await world.advance(timedelta(days=6))
    core = await world.create(audience=["slack:CCORE"], closes_after="1d", threshold=3)
    await world.settle()
    for person in team[:5]:
        await world.tap(person, scores[person])
    shown = await _shown_after_a_day(world, core)
    # Three people apart: fine at 3, but the first run promised them a crowd of five.
    assert shown.results["hidden"] and shown.reason is not None and "by 3 people" in shown.reason


async def test_written_answers_of_two_runs_are_compared_at_the_number_that_shows_them(
    world: PulseWorld,
) -> None:
    ten = [f"UT{n:02d}" for n in range(10)]
    five = [f"UN{n}" for n in range(5)]
    world.add_members("CX", [slack_user(p) for p in ten])
    world.add_members("CY", [slack_user(p) for p in ten + five])
    views = []
    for channel, people in (("slack:CX", ten), ("slack:CY", ten + five)):
        pulse_id = await world.create(
            question="Which office do you mostly work from?",
            kind="text",
            audience=[channel],
            closes_after="1d",
        )
        await world.settle()
        for person in people:
            office = "Lisbon office" if person in five else "Berlin office"
            await world.submit(f"pulse.textform:{world.tokens(person)[-1]}", by=person, answer=office)
        views.append(await _shown_after_a_day(world, pulse_id))
        await world.advance(timedelta(days=6))
    first, second = views
    assert first.comments, "ten written answers show"
    # Five apart is fine for numbers, but written answers show only from ten: the second, less the first,
    # would be the five newcomers' words.
    assert second.results["hidden"] and not second.comments
