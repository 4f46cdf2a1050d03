"""The link's chart: a panel per team with both lines; hidden or missing months are gaps, never zeros."""

from __future__ import annotations

import math
import struct

from bot.features.link.chart import CUSTOMER_LABEL, EMPLOYEE_LABEL, link_chart, link_figure
from tests.link.conftest import MONTHS, NO_PULSE, TEAMS, LinkWorld


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


async def test_the_chart_renders_a_titled_panel_per_team_with_both_legend_labels(year: LinkWorld) -> None:
    report = await year.report()
    png = link_chart(report)
    assert len(png) > 1000
    assert png_size(png) == (1200, 280)  # three panels side by side
    figure = link_figure(report)
    titles = [ax.get_title() for ax in figure.axes if ax.get_visible()]
    assert titles == sorted(TEAMS)
    for ax in figure.axes:
        labels = [text.get_text() for text in ax.get_legend().get_texts()]
        assert labels == [CUSTOMER_LABEL, EMPLOYEE_LABEL]


async def test_hidden_and_pulseless_months_are_gaps_in_the_employee_line_never_zeros(year: LinkWorld) -> None:
    report = await year.report()
    figure = link_figure(report)
    panels = {ax.get_title(): ax for ax in figure.axes}
    for team in report.teams:
        customer, employee = panels[team.team].get_lines()[:2]
        assert customer.get_label() == CUSTOMER_LABEL and employee.get_label() == EMPLOYEE_LABEL
        for month, row, value in zip(MONTHS, team.rows, employee.get_ydata(), strict=True):
            if row["hidden"] or month in NO_PULSE:
                assert math.isnan(value), (team.team, month)
            else:
                assert value == row["enps"]
        assert not any(math.isnan(v) for v in customer.get_ydata())
    support = panels["Support"].get_lines()[1].get_ydata()
    assert math.isnan(support[11]) and not math.isnan(support[10])


async def test_a_month_at_either_end_of_the_scale_shows_its_whole_marker(year: LinkWorld) -> None:
    figure = link_figure(await year.report())
    for ax in figure.axes:
        low, high = ax.get_ylim()
        assert low < -100 and high > 100  # a marker at -100 or +100 is not cut by the frame
        assert [int(tick) for tick in ax.get_yticks()] == [-100, -50, 0, 50, 100]
