"""The link report: customer NPS beside employee eNPS, per team and for the company, month by month.

Employee figures follow the pulse's anonymity rules: only closed eNPS runs count (their close time
stands for their month), only runs whose answers reached their threshold, a team's ballots are those
labelled with its channels at close, and every (team, month) and company cell passes the pulse's
primary and complementary suppression together, with each run's total counted as already public.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypedDict

from bot.customer_voice.figures import nps, text_themes, themes
from bot.customer_voice.items import FeedbackItem
from bot.features.link.months import month_of
from bot.features.link.sources import AnonymityRules, ClosedRun
from bot.features.link.teams import TeamSpec

COMPANY = ""  # the company's cell: no team can be named so
MIN_PAIRS = 6
THEMES = 5


class Row(TypedDict):
    """One month of one team (or the company), as the CONTRACT's ROW."""

    month: str
    customer_nps: int | None
    customer_responses: int
    csat: float | None
    enps: int | None
    employee_responses: int | None
    hidden: bool


@dataclass(frozen=True)
class TeamReport:
    """One team's rows and themes, and why its employee side is empty when it is."""

    team: str
    rows: list[Row]
    customer_themes: list[tuple[str, int]]
    employee_themes: list[tuple[str, int]]
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class LinkReport:
    """The whole report: months, the company, the teams, and how the two figures move together."""

    months: list[str]
    company: list[Row]
    teams: list[TeamReport]
    correlation: tuple[float, int] | None

    def as_json(self) -> dict[str, Any]:
        """The CONTRACT's JSON of `clueline link report --json`."""
        return {
            "months": self.months,
            "company": {"rows": self.company},
            "teams": [
                {
                    "team": team.team,
                    "rows": team.rows,
                    "customer_themes": [[term, count] for term, count in team.customer_themes],
                    "employee_themes": [[term, count] for term, count in team.employee_themes],
                }
                for team in self.teams
            ],
            "correlation": None
            if self.correlation is None
            else {"r": self.correlation[0], "n": self.correlation[1]},
        }


CustomerFilter = Callable[[FeedbackItem], bool]


@dataclass(frozen=True)
class LinkInput:
    """What the report is computed from, already read from the database."""

    months: list[str]
    zone: str
    teams: Sequence[TeamSpec]
    accepts: dict[str, CustomerFilter]  # by team name
    items: Sequence[FeedbackItem]
    enps_runs: Sequence[ClosedRun]
    text_runs: Sequence[ClosedRun]
    rules: AnonymityRules  # the pulse's, so employee cells show as the pulse would show them


def customer_figures(items: Sequence[FeedbackItem]) -> tuple[int | None, int, float | None]:
    """Customer NPS (0-10 scale), how many NPS answers, and mean CSAT (1-5 scale) to two places."""
    scored = [item for item in items if item.scale == "nps" and item.score is not None]
    csat = [item.score for item in items if item.scale == "csat" and item.score is not None]
    return nps(scored), len(scored), round(statistics.fmean(csat), 2) if csat else None


def _asks(run: ClosedRun, team: TeamSpec) -> bool:
    return any(channel in run.audience for channel in team.channels)


@dataclass(frozen=True)
class _EmployeeCell:
    enps: int | None
    responses: int | None
    hidden: bool


_NO_PULSE = _EmployeeCell(None, None, hidden=False)
_HIDDEN = _EmployeeCell(None, None, hidden=True)


def employee_month(
    runs: Sequence[ClosedRun], teams: Sequence[TeamSpec], rules: AnonymityRules
) -> dict[str, _EmployeeCell]:
    """The company's and each team's eNPS cell of one month's closed eNPS runs, after suppression."""
    counted = [run for run in runs if len(run.answers) >= run.threshold]
    # Atoms: one run's ballots of one segment (or unlabelled). Cells: sums of atoms.
    atoms: dict[str, list[int]] = {}
    for run in counted:
        for segment, value in run.answers:
            atoms.setdefault(f"{run.run_id}|{segment or ''}", []).append(int(value))
    members: dict[str, frozenset[str]] = {COMPANY: frozenset(atoms)}
    for team in teams:
        members[team.name] = frozenset(key for key in atoms if key.split("|", 1)[1] in team.channels)
    run_totals = [frozenset(key for key in atoms if key.startswith(f"{run.run_id}|")) for run in counted]
    limit = max((run.threshold for run in runs), default=0)
    visible = rules.visible_cells(
        {key: len(scores) for key, scores in atoms.items()},
        members,
        limit,
        published=run_totals if len(counted) > 1 else (),
        last=COMPANY,
    )
    cells: dict[str, _EmployeeCell] = {}
    for name, keys in members.items():
        asked = bool(runs) if name == COMPANY else any(_asks(run, _team(teams, name)) for run in runs)
        if not asked:
            cells[name] = _NO_PULSE
        elif name not in visible:
            cells[name] = _HIDDEN
        else:
            enps, responses = rules.enps(score for key in keys for score in atoms[key])
            cells[name] = _EmployeeCell(enps, responses, hidden=False)
    return cells


def _team(teams: Sequence[TeamSpec], name: str) -> TeamSpec:
    return next(team for team in teams if team.name == name)


def _row(month: str, items: Sequence[FeedbackItem], cell: _EmployeeCell) -> Row:
    customer_nps, responses, csat = customer_figures(items)
    return Row(
        month=month,
        customer_nps=customer_nps,
        customer_responses=responses,
        csat=csat,
        enps=cell.enps,
        employee_responses=cell.responses,
        hidden=cell.hidden,
    )


def employee_themes(
    runs: Sequence[ClosedRun], team: TeamSpec, rules: AnonymityRules
) -> list[tuple[str, int]]:
    """Themes of a team's text answers, only when enough of its people answered for comments to show."""
    texts = [value for run in runs for segment, value in run.answers if segment in team.channels]
    threshold = max([rules.comment_threshold, *(run.threshold for run in runs)])
    return text_themes(texts, THEMES) if len(texts) >= threshold else []


def correlation(teams: Sequence[TeamReport]) -> tuple[float, int] | None:
    """Pearson's r of customer NPS and eNPS over (team, month) pairs that have both, when there are enough."""
    pairs = [
        (row["customer_nps"], row["enps"])
        for team in teams
        for row in team.rows
        if row["customer_nps"] is not None and row["enps"] is not None
    ]
    if len(pairs) < MIN_PAIRS:
        return None
    try:
        r = statistics.correlation([float(c) for c, _ in pairs], [float(e) for _, e in pairs])
    except statistics.StatisticsError:  # one of the two never moved
        return None
    return round(r, 2), len(pairs)


def build_report(data: LinkInput) -> LinkReport:
    """The report of the months given, for every team in `data.teams`."""
    by_month: dict[str, list[ClosedRun]] = {}
    for run in data.enps_runs:
        by_month.setdefault(month_of(run.closes_at, data.zone), []).append(run)
    items_by_month: dict[str, list[FeedbackItem]] = {}
    for item in data.items:
        items_by_month.setdefault(month_of(item.received_at, data.zone), []).append(item)
    cells = {month: employee_month(by_month.get(month, []), data.teams, data.rules) for month in data.months}
    company = [_row(m, items_by_month.get(m, []), cells[m][COMPANY]) for m in data.months]
    reports: list[TeamReport] = []
    for team in data.teams:
        accepts = data.accepts[team.name]
        rows = [
            _row(m, [i for i in items_by_month.get(m, []) if accepts(i)], cells[m][team.name])
            for m in data.months
        ]
        mine = [item for item in data.items if accepts(item)]
        reports.append(
            TeamReport(
                team=team.name,
                rows=rows,
                customer_themes=themes(mine, THEMES),
                employee_themes=employee_themes(data.text_runs, team, data.rules),
                notes=_notes(team, rows, data.enps_runs, has_filters=bool(mine) or team.filters is not None),
            )
        )
    return LinkReport(months=data.months, company=company, teams=reports, correlation=correlation(reports))


def _notes(team: TeamSpec, rows: list[Row], runs: Sequence[ClosedRun], *, has_filters: bool) -> list[str]:
    notes: list[str] = []
    if all(row["enps"] is None for row in rows):
        channels = ", ".join(team.channels)
        if not any(_asks(run, team) for run in runs):
            notes.append(f"no employee figures: no closed eNPS pulse asked {channels} in these months")
        elif not any(label in team.channels for run in runs for label, _ in run.answers):
            notes.append(
                f"no employee figures: {channels} had no members, or fewer answers than the threshold"
            )
        else:
            notes.append("no employee figures: hidden to keep answers anonymous")
    if not has_filters:
        notes.append("no customer feedback matched: give the team --product, --tag or --keyword")
    return notes
