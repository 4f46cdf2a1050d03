"""The link's operations for its chat, command line, monthly post and demo: read, compute, render."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.features.feedback.history import FeedbackItem, Route, items_between, route_accepts, routes_to
from bot.features.link.months import DEFAULT_MONTHS, MAX_MONTHS, month_of, month_start, months_until, shift
from bot.features.link.report import CustomerFilter, LinkInput, LinkReport, build_report, correlation
from bot.features.link.teams import TeamError, list_teams, unknown_team
from bot.features.pulse.history import closed_runs

if TYPE_CHECKING:
    from bot.core.services import CoreServices

__all__ = ["DEFAULT_MONTHS", "MAX_MONTHS", "TeamError", "check_months", "link_report"]


def check_months(months: int) -> int:
    """The number of months, or TeamError naming the range that works."""
    if not 1 <= months <= MAX_MONTHS:
        raise TeamError(
            f"--months {months} is out of range; use 1 to {MAX_MONTHS} (default {DEFAULT_MONTHS})"
        )
    return months


def _any_route(routes: list[Route]) -> CustomerFilter:
    return lambda item: any(route_accepts(route, item) for route in routes)


def _nothing(_item: FeedbackItem) -> bool:
    return False


async def link_report(
    runtime: CoreServices, months: int = DEFAULT_MONTHS, team: str | None = None, last: str | None = None
) -> LinkReport:
    """The report of `months` months ending with `last` (default: this month), for one team or all."""
    check_months(months)
    zone = runtime.settings.time_zone
    teams = await list_teams(runtime)
    if team is not None and not any(t.name == team for t in teams):
        raise unknown_team(team, teams)
    window = months_until(last or month_of(runtime.clock.now(), zone), months)
    start, end = month_start(window[0], zone), month_start(shift(window[-1], 1), zone)
    async with runtime.database.session() as session:
        items = await items_between(session, start, end)
        enps_runs = await closed_runs(session, "enps", start, end)
        text_runs = await closed_runs(session, "text", start, end)
        accepts: dict[str, CustomerFilter] = {}
        for spec in teams:
            own = spec.filters
            routes = [own] if own is not None else await routes_to(session, set(spec.channels))
            accepts[spec.name] = _any_route(routes) if routes else _nothing
    report = build_report(
        LinkInput(
            months=window,
            zone=zone,
            teams=teams,
            accepts=accepts,
            items=items,
            enps_runs=enps_runs,
            text_runs=text_runs,
        )
    )
    if team is None:
        return report
    # Suppression was decided over every team; showing one of them changes no decision.
    chosen = [t for t in report.teams if t.team == team]
    return LinkReport(report.months, report.company, chosen, correlation(chosen))
