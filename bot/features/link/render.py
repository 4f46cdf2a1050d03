"""The link report as words: a table for the terminal, a short message with the chart for chat."""

from __future__ import annotations

import base64
from typing import Final

from bot.core.markdown import escape
from bot.core.types import Block, ContextLine, Image, OutboundMessage, Text
from bot.features.link.chart import CUSTOMER_LABEL, EMPLOYEE_LABEL, link_chart
from bot.features.link.report import LinkReport, Row

HIDDEN: Final = "hidden"
CHAT_MONTHS: Final = 3
TOGETHER: Final = (
    "Customer NPS and employee eNPS moved together with r = {r:+.2f} over {n} team-months ({first} to {last}). "
    "That says they move together, not that one causes the other."
)
TOO_FEW: Final = "Too few team-months with both figures to say how they move together (6 needed)."


def _signed(value: int | None) -> str:
    return "-" if value is None else f"{value:+d}"


def _employee(row: Row) -> str:
    if row["hidden"]:
        return HIDDEN
    if row["enps"] is None:
        return "no pulse"
    return f"{row['enps']:+d} ({row['employee_responses']})"


def _customer(row: Row) -> str:
    if row["customer_nps"] is None:
        return f"- ({row['customer_responses']})"
    return f"{row['customer_nps']:+d} ({row['customer_responses']})"


def _table(rows: list[Row]) -> list[str]:
    lines = [f"  {'month':<8} {'customer NPS (n)':<17} {'CSAT':<5} employee eNPS (n)"]
    for row in rows:
        csat = "-" if row["csat"] is None else f"{row['csat']:.2f}"
        lines.append(f"  {row['month']:<8} {_customer(row):<17} {csat:<5} {_employee(row)}")
    return lines


def together_line(report: LinkReport) -> str:
    """How the two figures move together, worded carefully, or why that cannot be said."""
    if report.correlation is None:
        return TOO_FEW
    r, n = report.correlation
    return TOGETHER.format(r=r, n=n, first=report.months[0], last=report.months[-1])


def _themes(label: str, themes: list[tuple[str, int]]) -> str | None:
    return f"  {label}: " + ", ".join(f"{term} ({count})" for term, count in themes) if themes else None


def report_text(report: LinkReport) -> str:
    """The whole report for a terminal."""
    lines = [
        f"The link, {report.months[0]} to {report.months[-1]}: what customers say beside what employees say",
        "Company",
        *_table(report.company),
    ]
    for team in report.teams:
        lines += ["", team.team, *_table(team.rows)]
        lines += [
            line
            for line in (
                _themes("customers talk about", team.customer_themes),
                _themes("what gets in the way", team.employee_themes),
            )
            if line
        ]
        lines += [f"  {note}" for note in team.notes]
    lines += ["", together_line(report)]
    return "\n".join(lines)


def _short(name: str, rows: list[Row]) -> str:
    recent = rows[-CHAT_MONTHS:]
    cells = [
        f"{row['month']}: NPS {_signed(row['customer_nps'])}, eNPS {_employee_short(row)}" for row in recent
    ]
    return f"**{escape(name)}**: " + " · ".join(cells)


def _employee_short(row: Row) -> str:
    if row["hidden"]:
        return HIDDEN
    return _signed(row["enps"])


def report_message(report: LinkReport, heading: str = "The link") -> OutboundMessage:
    """A short table of the latest months and the chart, for chat and the monthly post."""
    lines = [_short("Company", report.company), *(_short(team.team, team.rows) for team in report.teams)]
    if len(report.months) > CHAT_MONTHS:
        # The figures below the chart cover every month of it; the lines only the latest.
        lines.insert(0, f"The latest {CHAT_MONTHS} months; the chart shows all {len(report.months)}:")
    notes = [escape(f"{team.team}: {note}") for team in report.teams for note in team.notes]
    blocks: list[Block] = [
        Text(
            text=f"{heading}: customer NPS beside employee eNPS, {report.months[0]} to {report.months[-1]}",
            emphasis=True,
        ),
        Text(text="\n".join(lines)),
        Image(
            alt=f"{CUSTOMER_LABEL} and {EMPLOYEE_LABEL} per team by month; gaps are months hidden or without a pulse",
            png_base64=base64.b64encode(link_chart(report)).decode("ascii"),
            title="The link",
        ),
        ContextLine(text=together_line(report)),
    ]
    if notes:
        blocks.append(ContextLine(text="\n".join(notes)))
    return OutboundMessage(text=f"{heading}\n" + "\n".join(lines), blocks=blocks)
