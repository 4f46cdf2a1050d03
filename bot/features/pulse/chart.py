"""PNG charts of pulse results: the eNPS breakdown of one run, and the eNPS trend across runs."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from bot.features.pulse.results import EnpsTally

_COLOURS: Final = {"Promoters": "#2e7d32", "Passives": "#9e9e9e", "Detractors": "#c62828"}
_SIZE_INCHES: Final = (6.0, 3.2)
_DPI: Final = 100


@dataclass(frozen=True)
class TrendPoint:
    """One run of a recurring pulse; `enps` is None when that run stayed below the threshold."""

    day: date
    enps: int | None


def _pyplot() -> Any:
    # The backend is chosen here, not at import, so importing this module changes nothing global.
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _png(figure: Any) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=_DPI)
    _pyplot().close(figure)
    return buffer.getvalue()


def enps_chart(tally: EnpsTally, title: str = "eNPS") -> bytes:
    """A horizontal stacked bar of promoters, passives and detractors, titled with the eNPS number."""
    if tally.responses == 0:
        raise ValueError("a chart needs at least one response")
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=_SIZE_INCHES)
    counts = {"Promoters": tally.promoters, "Passives": tally.passives, "Detractors": tally.detractors}
    left = 0.0
    for label, count in counts.items():
        share = 100 * count / tally.responses
        axes.barh([0], [share], left=left, color=_COLOURS[label], label=f"{label} {count}")
        if share >= 8:
            axes.text(left + share / 2, 0, f"{share:.0f}%", ha="center", va="center", color="white")
        left += share
    axes.set_xlim(0, 100)
    axes.set_yticks([])
    axes.set_xlabel("% of responses")
    axes.set_title(f"{title}: {tally.enps:+d} ({tally.responses} responses)")
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.35), ncol=3, frameon=False)
    figure.tight_layout()
    return _png(figure)


def trend_chart(points: Sequence[TrendPoint], title: str = "eNPS trend") -> bytes:
    """A line of eNPS across runs on a -100..100 axis; hidden runs leave a gap."""
    if not points:
        raise ValueError("a trend needs at least one run")
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=_SIZE_INCHES)
    ordered = sorted(points, key=lambda point: point.day)
    days = [point.day for point in ordered]
    values = [float("nan") if point.enps is None else point.enps for point in ordered]
    axes.plot(days, values, marker="o", color="#1565c0")
    for day, point in zip(days, ordered, strict=True):
        if point.enps is not None:
            axes.annotate(f"{point.enps:+d}", (day, point.enps), textcoords="offset points", xytext=(0, 6))
    axes.axhline(0, color="#9e9e9e", linewidth=0.8)
    axes.set_ylim(-100, 100)
    axes.set_ylabel("eNPS")
    axes.set_title(title)
    figure.autofmt_xdate()
    figure.tight_layout()
    return _png(figure)
