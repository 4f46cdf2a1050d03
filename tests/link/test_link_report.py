"""The link report on a generated year: every figure by hand, hidden cells hidden, gaps where no pulse ran."""

from __future__ import annotations

import asyncio
import json
import statistics
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.cli import main
from tests.link.conftest import (
    CSAT,
    MONTHS,
    NO_PULSE,
    PEOPLE,
    TEAMS,
    LinkWorld,
    customer_scores,
    employee_scores,
)

Cli = Callable[..., tuple[int, str, str]]


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Cli:
    """Run `clueline` on the test database; returns (exit code, stdout, stderr)."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("CLUELINE_TZ", raising=False)

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def by_hand_nps(scores: list[int]) -> int | None:
    """%promoters (9-10) minus %detractors (0-6)."""
    if not scores:
        return None
    return round(100 * (sum(s >= 9 for s in scores) - sum(s <= 6 for s in scores)) / len(scores))


def by_hand_enps(scores: list[int]) -> int:
    """The same, halves rounded away from zero (the pulse's rule)."""
    exact = 100 * (sum(s >= 9 for s in scores) - sum(s <= 6 for s in scores)) / len(scores)
    return int(abs(exact) + 0.5) * (1 if exact >= 0 else -1)


def expected_team_rows(team: str) -> list[dict[str, object]]:
    """A team's rows, computed by hand from the generator."""
    channel, product = TEAMS[team]
    rows = []
    for index, month in enumerate(MONTHS):
        nps = customer_scores(index, product)
        csat = CSAT[product]
        row: dict[str, object] = {
            "month": month,
            "customer_nps": by_hand_nps(nps),
            "customer_responses": len(nps),
            "csat": round(sum(csat) / len(csat), 2) if csat else None,
            "enps": None,
            "employee_responses": None,
            "hidden": False,
        }
        if month not in NO_PULSE:
            scores = employee_scores(index, channel)
            if (index == 10 and team == "Support") or index < 10:
                row.update(enps=by_hand_enps(scores), employee_responses=len(scores))
            else:
                row["hidden"] = True
        rows.append(row)
    return rows


def expected_company_rows() -> list[dict[str, object]]:
    """The company's rows by hand: every product's customers, every channel's answers."""
    rows = []
    for index, month in enumerate(MONTHS):
        nps = [s for _, product in TEAMS.values() for s in customer_scores(index, product)]
        csat = [s for scores in CSAT.values() for s in scores]
        row: dict[str, object] = {
            "month": month,
            "customer_nps": by_hand_nps(nps),
            "customer_responses": len(nps),
            "csat": round(sum(csat) / len(csat), 2),
            "enps": None,
            "employee_responses": None,
            "hidden": False,
        }
        if month not in NO_PULSE:
            scores = [s for channel in PEOPLE for s in employee_scores(index, channel)]
            row.update(enps=by_hand_enps(scores), employee_responses=len(scores))
        rows.append(row)
    return rows


async def test_every_figure_of_the_json_report_equals_a_hand_computation(year: LinkWorld, cli: Cli) -> None:
    code, out, err = await asyncio.to_thread(cli, "link", "report", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert set(report) == {"months", "company", "teams", "correlation"}
    assert report["months"] == MONTHS
    assert report["company"]["rows"] == expected_company_rows()
    assert [team["team"] for team in report["teams"]] == sorted(TEAMS)
    for team in report["teams"]:
        assert team["rows"] == expected_team_rows(team["team"]), team["team"]
        assert all(len(pair) == 2 and isinstance(pair[1], int) for pair in team["customer_themes"])
        assert team["employee_themes"] == []
    pairs = [
        (row["customer_nps"], row["enps"])
        for team in TEAMS
        for row in expected_team_rows(team)
        if row["customer_nps"] is not None and row["enps"] is not None
    ]
    r = statistics.correlation([float(c) for c, _ in pairs], [float(e) for _, e in pairs])  # type: ignore[arg-type]
    assert report["correlation"] == {"r": round(r, 2), "n": len(pairs)}


async def test_complementary_suppression_hides_a_team_whose_rest_of_the_company_is_too_few(
    year: LinkWorld, cli: Cli
) -> None:
    _code, out, _ = await asyncio.to_thread(cli, "link", "report", "--json")
    report = json.loads(out)
    rows = {team["team"]: {row["month"]: row for row in team["rows"]} for team in report["teams"]}
    last, before = MONTHS[11], MONTHS[10]
    # Support's 8 answers reach the threshold, but the company's other 2 would be company minus Support.
    assert rows["Support"][last] | {"customer_nps": 0} == rows["Support"][last] | {
        "customer_nps": 0,
        "enps": None,
        "employee_responses": None,
        "hidden": True,
    }
    company_last = next(row for row in report["company"]["rows"] if row["month"] == last)
    assert company_last["employee_responses"] == 10 and company_last["enps"] is not None
    # Support 6 and Sales 5 both reach it, but showing both leaves Product's 2 as the difference: Sales hides.
    assert rows["Support"][before]["enps"] is not None
    assert rows["Sales"][before]["hidden"] is True and rows["Sales"][before]["enps"] is None
    assert rows["Product"][before]["hidden"] is True


async def test_months_without_a_pulse_show_customer_figures_alone(year: LinkWorld, cli: Cli) -> None:
    code, out, _ = await asyncio.to_thread(cli, "link", "report", "--json", "--team", "Sales")
    assert code == 0
    report = json.loads(out)
    assert [team["team"] for team in report["teams"]] == ["Sales"]
    for row in report["teams"][0]["rows"]:
        if row["month"] in NO_PULSE:
            assert row["customer_nps"] is not None and row["customer_responses"] == 6
            assert (row["enps"], row["employee_responses"], row["hidden"]) == (None, None, False)


async def test_text_report_and_chart_file(year: LinkWorld, cli: Cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    chart = tmp_path / "link.png"
    code, out, _ = await asyncio.to_thread(cli, "link", "report", "--months", "3", "--chart", str(chart))
    assert code == 0
    assert chart.read_bytes().startswith(b"\x89PNG")
    assert f"chart written to {chart}" in out
    assert "hidden" in out and "Too few team-months with both figures" in out
    assert MONTHS[8] not in out and MONTHS[9] in out
    code, out, _ = await asyncio.to_thread(cli, "link", "report")
    assert "move together, not that one causes the other" in out


@pytest.mark.parametrize(
    ("argv", "names"),
    [
        (("link", "report", "--team", "Nobody"), "teams: Product, Sales, Support"),
        (("link", "report", "--months", "0"), "use 1 to 36"),
        (("link", "report", "--months", "37"), "use 1 to 36"),
        (("team", "add", "Ops", "--channel", "#ops"), "slack:CHANNEL_ID"),
        (("link", "channel", "general"), "slack:CHANNEL_ID"),
        (("team", "remove", "Nobody"), "teams: Product, Sales, Support"),
    ],
)
async def test_bad_input_is_one_line_naming_what_works_and_exit_2(
    argv: tuple[str, ...], names: str, cli: Cli, database_url: str
) -> None:
    from tests.link.conftest import add_teams, make_world

    world = make_world(database_url)
    await add_teams(world.runtime)
    await world.runtime.database.dispose()
    code, _out, err = await asyncio.to_thread(cli, *argv)
    assert code == 2
    assert err.count("\n") == 1 and names in err


async def test_channel_flag_takes_a_list_and_repeats(cli: Cli) -> None:
    code, out, err = await asyncio.to_thread(
        cli,
        "team",
        "add",
        "Ops",
        "--channel",
        "slack:C1",
        "slack:C2",
        "--channel",
        "teams:19:abc",
        "--tag",
        "sla",
    )
    assert code == 0, err
    code, out, _ = await asyncio.to_thread(cli, "team", "list", "--json")
    assert json.loads(out) == [
        {
            "team": "Ops",
            "channels": ["slack:C1", "slack:C2", "teams:19:abc"],
            "product": None,
            "tag": "sla",
            "keyword": None,
            "min_score": None,
            "max_score": None,
        }
    ]
    assert (await asyncio.to_thread(cli, "team", "remove", "Ops"))[0] == 0
    assert json.loads((await asyncio.to_thread(cli, "team", "list", "--json"))[1]) == []


async def test_adding_a_team_of_the_same_name_replaces_it_and_says_what_it_was(cli: Cli) -> None:
    await asyncio.to_thread(cli, "team", "add", "Billing", "--channel", "slack:C1", "--product", "billing")
    code, out, _ = await asyncio.to_thread(cli, "team", "add", "Billing", "--channel", "slack:C2")
    assert code == 0
    assert out.startswith("team Billing replaced: Billing: slack:C2")
    assert "it was: Billing: slack:C1; customers: product billing" in out


async def test_a_team_whose_product_no_feedback_has_is_added_with_a_note(cli: Cli, tmp_path: Path) -> None:
    items = tmp_path / "items.jsonl"
    items.write_text('{"id": "1", "source": "s", "text": "Slow exports", "product": "helpdesk"}\n')
    assert (await asyncio.to_thread(cli, "feedback", "import", str(items)))[0] == 0
    code, out, err = await asyncio.to_thread(
        cli, "team", "add", "Ops", "--channel", "slack:C9", "--product", "helpdsk"
    )
    assert code == 0 and out.startswith("team Ops added")
    assert 'no feedback so far has product "helpdsk" (products seen: helpdesk)' in err


async def test_a_team_whose_channels_were_never_asked_reports_customers_and_says_why(cli: Cli) -> None:
    await asyncio.to_thread(cli, "team", "add", "Ops", "--channel", "slack:C9", "--product", "helpdesk")
    code, out, _ = await asyncio.to_thread(cli, "link", "report", "--months", "2")
    assert code == 0
    assert "no employee figures: no closed eNPS pulse asked slack:C9" in out
