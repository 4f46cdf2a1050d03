"""The link's chart: one small panel per team, customer NPS and employee eNPS over the months.

A month without a figure (no pulse, or hidden to keep answers anonymous) is a gap in the line, never a zero.
"""

from __future__ import annotations

import io
import math
from typing import Any, Final

from bot.features.link.report import LinkReport, Row

# How far beyond ±100 the frame goes (NPS points), so a marker at either end shows whole.
Y_MARGIN: Final = 8
CUSTOMER_LABEL: Final = "Customer NPS"
EMPLOYEE_LABEL: Final = "Employee eNPS"
COLUMNS: Final = 3
PANEL_INCHES: Final = (4.0, 2.8)
DPI: Final = 100


def _pyplot() -> Any:
    # Chosen here, not at import: importing this module changes nothing global.
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def grid(panels: int) -> tuple[int, int]:
    """Rows and columns of the small multiples."""
    columns = max(1, min(COLUMNS, panels))
    return math.ceil(panels / columns), columns


def _values(rows: list[Row], key: str) -> list[float]:
    return [math.nan if row[key] is None else float(row[key]) for row in rows]  # type: ignore[literal-required]


def link_figure(report: LinkReport) -> Any:
    """The matplotlib figure: a panel per team (the company when no team is set)."""
    panels = [(team.team, team.rows) for team in report.teams] or [("Company", report.company)]
    rows, columns = grid(len(panels))
    plt = _pyplot()
    figure, axes = plt.subplots(
        rows, columns, figsize=(PANEL_INCHES[0] * columns, PANEL_INCHES[1] * rows), squeeze=False
    )
    positions = list(range(len(report.months)))
    ticks = [month[2:] for month in report.months]
    for index, ax in enumerate(axes.flat):
        if index >= len(panels):
            ax.set_visible(False)
            continue
        name, data = panels[index]
        ax.plot(positions, _values(data, "customer_nps"), marker="o", color="#ef6c00", label=CUSTOMER_LABEL)
        ax.plot(positions, _values(data, "enps"), marker="s", color="#1565c0", label=EMPLOYEE_LABEL)
        ax.axhline(0, color="#9e9e9e", linewidth=0.6)
        ax.set_ylim(-100 - Y_MARGIN, 100 + Y_MARGIN)
        ax.set_yticks([-100, -50, 0, 50, 100])
        ax.set_title(name)
        step = max(1, len(positions) // 6)
        ax.set_xticks(positions[::step], ticks[::step], fontsize=7)
        ax.legend(loc="lower left", fontsize=7, frameon=False)
    figure.tight_layout()
    return figure


def link_chart(report: LinkReport) -> bytes:
    """The chart as PNG bytes."""
    figure = link_figure(report)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    _pyplot().close(figure)
    return buffer.getvalue()
