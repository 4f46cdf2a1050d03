"""Attacks on the link report by a comms lead using only features: no figure it shows isolates a person."""

from __future__ import annotations

from datetime import timedelta

from bot.features.link.months import month_start
from bot.features.link.report import LinkReport
from bot.features.link.teams import build_team, remove_team, save_team
from bot.features.pulse.ballots import AnswerOutcome, record_answer
from bot.features.pulse.closing import close_pulse
from bot.features.pulse.runs import create_pulse
from bot.features.pulse.spec import build_spec
from bot.features.pulse.views import latest_results
from tests.link.conftest import MONTHS, LinkWorld, make_world, slack_user
from tests.support.runtime import close


async def _run(
    world: LinkWorld, people: list[str], scores: list[int], audience: list[str] | None = None
) -> int:
    """An eNPS pulse to `audience` (else the people by name), answered by the people, and closed."""
    targets = audience or [f"slack:{p}" for p in people]
    spec = build_spec(question="enps", kind=None, audience=targets, created_by="slack:ULEAD")
    pulse_id = await create_pulse(world.runtime, spec)
    await world.settle()
    for person, score in zip(people, scores, strict=True):
        result = await record_answer(world.runtime, f"slack:{person}", world.newest_token(person), str(score))
        assert result.outcome is AnswerOutcome.RECORDED
    world.clock.advance(timedelta(hours=1))
    assert await close_pulse(world.runtime, pulse_id) == 1
    await world.settle()
    return pulse_id


async def test_a_run_hidden_for_differing_by_one_person_is_not_pooled_into_the_month(
    database_url: str,
) -> None:
    world = make_world(database_url)
    try:
        world.clock.set(month_start(MONTHS[-1], "UTC") + timedelta(days=1, hours=9))
        six = [f"UP{n}" for n in range(6)]
        await _run(world, six, [10, 9, 8, 7, 3, 2])
        second = await _run(world, six[:5], [10, 9, 8, 7, 3])
        shown = await latest_results(world.runtime, second)
        assert shown is not None and shown[1] is not None and shown[1].results["hidden"]
        [row] = [row for row in (await world.report()).company if row["month"] == MONTHS[-1]]
        # Pooled, 11 answers less the first run's 6 would be the hidden run, and the one left out with it.
        assert row["employee_responses"] == 6
    finally:
        await close(world.runtime)


async def test_removing_a_team_between_two_reports_isolates_no_one(database_url: str) -> None:
    world = make_world(database_url)
    try:
        world.clock.set(month_start(MONTHS[-1], "UTC") + timedelta(days=1, hours=9))
        channels = {"CA": "Zeta", "CB": "Alpha", "CC": "Mid"}
        members = {channel: [f"{channel}{n}" for n in range(5)] for channel in channels}
        for channel, team in channels.items():
            world.add_members(channel, [slack_user(person) for person in members[channel]])
            await save_team(world.runtime, build_team(team, [f"slack:{channel}"]), "slack:ULEAD")
        # Five answer in #CA and #CB; one lone answer in #CC.
        answering = [*members["CA"], *members["CB"], members["CC"][0]]
        scores = [9, 9, 10, 7, 3, 10, 8, 2, 6, 9, 0]
        await _run(world, answering, scores, audience=[f"slack:{c}" for c in channels])
        first = await world.report()
        assert await remove_team(world.runtime, "Zeta")
        second = await world.report()

        def shown(report: LinkReport) -> dict[str, int]:
            return {
                team.team: row["employee_responses"]
                for team in report.teams
                for row in team.rows
                if row["month"] == MONTHS[-1] and row["employee_responses"] is not None
            }

        [company] = [row["employee_responses"] for row in first.company if row["month"] == MONTHS[-1]]
        seen = {**shown(first), **shown(second)}
        # The company less every team either report showed is what nobody may single out: none, or enough.
        rest = company - sum(seen.values())
        assert rest == 0 or rest >= 5, (seen, company)
    finally:
        await close(world.runtime)
