"""The demo's year of history for three sample teams: their customers' feedback and their people's pulses.

The figures live in bot/demo/company/link/history.json (our own writing). Feedback goes in through the
customer source (the feedback feature's intake); pulse runs are written as closed runs by the employee
source (the pulse feature's own writer), so segment labels follow its threshold rule (the Reports team
is small: some months it stays hidden, and once it hides a neighbour with it).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from importlib import resources
from typing import Any

from bot.core.services import CoreServices
from bot.customer_voice.items import FeedbackItem
from bot.features.link.months import month_of, month_start, months_until
from bot.features.link.sources import LinkSources
from bot.features.link.teams import build_team, list_teams, save_team

SOURCE = "northpine-history"
PROMOTER, PASSIVE, DETRACTOR = (10, 9), (8, 7), (3, 6, 5, 2)


def _history() -> dict[str, Any]:
    text = resources.files("bot.demo.company").joinpath("link/history.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def scores(counts: Sequence[int]) -> list[int]:
    """0-10 scores with these numbers of promoters, passives and detractors."""
    groups = (PROMOTER, PASSIVE, DETRACTOR)
    return [group[n % len(group)] for group, count in zip(groups, counts, strict=True) for n in range(count)]


def _when(month: str, zone: str, day: int, now: datetime) -> datetime:
    # Within the month, and never after now (the current month is only partly over).
    return min(month_start(month, zone) + timedelta(days=day, hours=10), now - timedelta(hours=1))


async def load_sample_history(runtime: CoreServices, sources: LinkSources) -> None:
    """Three sample teams with a year of feedback and closed eNPS pulses (once)."""
    if await list_teams(runtime):
        return
    data = _history()
    zone, now = runtime.settings.time_zone, runtime.clock.now()
    months = months_until(month_of(now, zone), 12)
    items: list[FeedbackItem] = []
    pulses: list[dict[str, list[int]]] = [{} for _ in months]
    for team in data["teams"]:
        await save_team(runtime, build_team(team["name"], [team["channel"]], product=team["product"]), "demo")
        for index, month in enumerate(months):
            for n, score in enumerate(scores(team["customers"][index])):
                texts = team["praise"] if score >= 9 else team["pain"]
                items.append(
                    FeedbackItem(
                        id=f"{month}-{team['channel']}-{n}",
                        source=SOURCE,
                        text=texts[n % len(texts)],
                        received_at=_when(month, zone, 3 + n, now),
                        scale="nps",
                        score=score,
                        product=team["product"],
                    )
                )
            if team["people"][index] is not None:
                pulses[index][team["channel"]] = scores(team["people"][index])
    await sources.customers.accept(items)
    for month, answers in zip(months, pulses, strict=True):
        if answers:
            await sources.employees.record_closed_run(
                "Would you refer a friend to work here?", answers, _when(month, zone, 14, now)
            )
