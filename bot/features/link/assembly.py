"""The link report assembled from its sources, as the chat, command line and monthly post ask for it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.customer_voice.filters import ItemFilter
from bot.customer_voice.items import FeedbackItem
from bot.features.link.months import DEFAULT_MONTHS, MAX_MONTHS, month_of, month_start, months_until, shift
from bot.features.link.report import CustomerFilter, LinkInput, LinkReport, build_report, correlation
from bot.features.link.sources import LinkSources
from bot.features.link.teams import TeamError, list_teams, unknown_team

if TYPE_CHECKING:
    from bot.core.services import CoreServices


def check_months(months: int) -> int:
    """The number of months, or TeamError naming the range that works."""
    if not 1 <= months <= MAX_MONTHS:
        raise TeamError(
            f"--months {months} is out of range; use 1 to {MAX_MONTHS} (default {DEFAULT_MONTHS})"
        )
    return months


def _any_of(filters: Sequence[ItemFilter]) -> CustomerFilter:
    return lambda item: any(own.accepts(item) for own in filters)


def _nothing(_item: FeedbackItem) -> bool:
    return False


async def link_report(
    runtime: CoreServices,
    sources: LinkSources,
    months: int = DEFAULT_MONTHS,
    team: str | None = None,
    last: str | None = None,
) -> LinkReport:
    """The report of `months` months ending with `last` (default: this month), for one team or all."""
    check_months(months)
    zone = runtime.settings.time_zone
    teams = await list_teams(runtime)
    if team is not None and not any(t.name == team for t in teams):
        raise unknown_team(team, teams)
    window = months_until(last or month_of(runtime.clock.now(), zone), months)
    start, end = month_start(window[0], zone), month_start(shift(window[-1], 1), zone)
    customers, employees = sources.customers, sources.employees
    items = await customers.items_between(start, end)
    enps_runs = await employees.closed_runs("enps", start, end)
    text_runs = await employees.closed_runs("text", start, end)
    accepts: dict[str, CustomerFilter] = {}
    for spec in teams:
        own = spec.filters
        filters = [own] if own is not None else await customers.filters_to(set(spec.channels))
        accepts[spec.name] = _any_of(filters) if filters else _nothing
    report = build_report(
        LinkInput(
            months=window,
            zone=zone,
            teams=teams,
            accepts=accepts,
            items=items,
            enps_runs=enps_runs,
            text_runs=text_runs,
            rules=employees,
        )
    )
    if team is None:
        return report
    # Suppression was decided over every team; showing one of them changes no decision.
    chosen = [t for t in report.teams if t.team == team]
    return LinkReport(report.months, report.company, chosen, correlation(chosen))
