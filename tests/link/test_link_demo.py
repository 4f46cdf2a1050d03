"""The demo: `printf 'link\\n' | clueline demo` shows a year of three sample teams and writes the chart."""

from __future__ import annotations

import re
from pathlib import Path

from tests.support.cli_in_process import demo_here


def test_the_demo_shows_the_link_report_and_the_path_of_the_chart_it_wrote(tmp_path: Path) -> None:
    result = demo_here("link\n", tmp_path)
    assert result.returncode == 0, result.stderr
    report = result.stdout.split("customer NPS beside employee eNPS", 1)[1]
    for team in ("Bank feeds", "Invoicing", "Reports", "Company"):
        assert f"{team}: " in report
    # The small Reports team stays below the threshold in the last month, and takes Bank feeds with it.
    assert "eNPS hidden" in report
    assert "move together, not that one causes the other" in report
    # The lines show the latest months; the correlation covers the chart's whole span, and says which.
    assert "The latest 3 months; the chart shows all 12:" in report
    assert re.search(r"r = [+-]\d\.\d\d over \d+ team-months \(\d{4}-\d\d to \d{4}-\d\d\)", report), report
    [path] = re.findall(r"saved to (\S+\.png)", report)
    chart = Path(path)
    assert chart.parent == tmp_path and chart.read_bytes().startswith(b"\x89PNG")
    # The year of history is no flood of fresh highlights in the demo's channel.
    assert "northpine-history" not in result.stdout
