"""Assessing a new item: highlights are routed, repeats are counted onto the first, the rest wait."""

from __future__ import annotations

from collections.abc import Callable

from bot.features.feedback.assess import assess
from bot.features.feedback.items import FeedbackItem
from bot.features.feedback.routing import Route
from bot.features.feedback.scoring import HighlightScorer
from bot.features.feedback.similarity import NearDuplicateIndex

MakeItem = Callable[..., FeedbackItem]
ROUTES = [
    Route("now", "slack:C1", max_score=6),
    Route("weekly", "slack:C2", product="reports", digest="weekly"),
]


def test_a_detractor_goes_to_its_realtime_and_digest_routes(
    scorer: HighlightScorer, make_item: MakeItem
) -> None:
    result = assess(make_item(scale="nps", score=3, product="reports"), scorer, NearDuplicateIndex(), ROUTES)
    assert result.duplicate_of is None
    assert [r.id for r in result.realtime_routes] == ["now"]
    assert [r.id for r in result.digest_routes] == ["weekly"]
    assert not result.waits_for_company_digest


def test_a_repeat_is_counted_onto_the_first_and_not_routed(
    scorer: HighlightScorer, make_item: MakeItem
) -> None:
    recent = NearDuplicateIndex()
    first = assess(make_item(id="a", scale="nps", score=3), scorer, recent, ROUTES)
    again = assess(
        make_item(id="b", scale="nps", score=2, text="Export to excel breaks on big reports!!"),
        scorer,
        recent,
        ROUTES,
    )
    assert first.routes and again.routes == []
    assert again.duplicate_of is not None and again.duplicate_of.id == "nps-survey/a"
    assert len(recent) == 1


def test_a_highlight_no_route_takes_waits_for_the_company_digest(
    scorer: HighlightScorer, make_item: MakeItem
) -> None:
    text = "Love the new dashboard, it saved us 3 hours every Monday on reporting."
    result = assess(make_item(scale="nps", score=10, text=text), scorer, NearDuplicateIndex(), ROUTES)
    assert result.score.is_highlight and result.routes == []
    assert result.waits_for_company_digest
