"""Routes: filters on score, product, tag and keyword; real time or digest; clear errors for bad options."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.customer_voice.items import FeedbackItem
from bot.customer_voice.scoring import HighlightScore
from bot.features.feedback.routing import (
    InvalidRoute,
    Route,
    describe_route,
    matching_routes,
    parse_route,
    parse_route_args,
    route_accepts,
)

HIGHLIGHT = HighlightScore(0.8, "pain", ["NPS detractor (3)"], True)
NOT_HIGHLIGHT = HighlightScore(0.2, "neutral", [], False)

MakeItem = Callable[..., FeedbackItem]


def test_a_route_without_filters_takes_every_highlight(make_item: MakeItem) -> None:
    everything = Route("r1", "slack:C1")
    assert not everything.has_filter
    assert matching_routes(make_item(), HIGHLIGHT, [everything]) == [everything]


def test_items_that_are_not_highlights_go_nowhere(make_item: MakeItem) -> None:
    assert matching_routes(make_item(scale="nps", score=3), NOT_HIGHLIGHT, [Route("r1", "slack:C1")]) == []


def test_detractor_route_takes_low_scores_only(make_item: MakeItem) -> None:
    detractors = Route("d", "slack:C1", max_score=6)
    assert route_accepts(detractors, make_item(scale="nps", score=6))
    assert not route_accepts(detractors, make_item(scale="nps", score=7))
    assert not route_accepts(detractors, make_item())  # a score filter needs a score


@pytest.mark.parametrize("scale", ["csat", "stars"])
def test_a_five_point_score_is_read_on_the_nps_range_so_top_praise_is_no_detractor(
    make_item: MakeItem, scale: str
) -> None:
    detractors = Route("d", "slack:C1", max_score=6)
    taken = [s for s in range(1, 6) if route_accepts(detractors, make_item(scale=scale, score=s))]
    assert taken == [1, 2, 3]  # 0, 2.5 and 5 on NPS's 0 to 10; 4 and 5 are 7.5 and 10
    promoters = Route("p", "slack:C1", min_score=9)
    assert [s for s in range(1, 6) if route_accepts(promoters, make_item(scale=scale, score=s))] == [5]


def test_score_range_is_inclusive(make_item: MakeItem) -> None:
    passives = Route("p", "slack:C1", min_score=7, max_score=8)
    assert [s for s in range(11) if route_accepts(passives, make_item(scale="nps", score=s))] == [7, 8]


def test_product_and_tag_match_ignoring_case(make_item: MakeItem) -> None:
    item = make_item(product="Reports", tags=["Export", "billing"])
    assert route_accepts(Route("a", "slack:C1", product="reports"), item)
    assert route_accepts(Route("b", "slack:C1", tag="export"), item)
    assert not route_accepts(Route("c", "slack:C1", product="mobile"), item)
    assert not route_accepts(Route("d", "slack:C1", tag="sso"), item)


def test_keyword_matches_whole_words_in_the_text(make_item: MakeItem) -> None:
    item = make_item(text="Export to Excel breaks on big reports.")
    assert route_accepts(Route("a", "slack:C1", keyword="excel"), item)
    assert route_accepts(Route("b", "slack:C1", keyword="big reports"), item)
    assert not route_accepts(Route("c", "slack:C1", keyword="port"), item)


def test_all_filters_must_hold(make_item: MakeItem) -> None:
    route = Route("a", "slack:C1", max_score=6, product="reports", keyword="excel")
    assert route_accepts(route, make_item(scale="nps", score=3, product="reports"))
    assert not route_accepts(route, make_item(scale="nps", score=3, product="billing"))


def test_several_routes_can_take_one_highlight_in_order(make_item: MakeItem) -> None:
    routes = [
        Route("a", "slack:C1"),
        Route("b", "slack:C2", tag="sso"),
        Route("c", "teams:19:x@thread", max_score=6),
    ]
    matched = matching_routes(make_item(scale="nps", score=2), HIGHLIGHT, routes)
    assert [r.id for r in matched] == ["a", "c"]


def test_cli_options_make_a_route() -> None:
    route = parse_route("slack:C123", route_id="7", max_score="6", product=" reports ", digest="Daily")
    assert route == Route("7", "slack:C123", max_score=6, product="reports", digest="daily")
    assert not route.realtime


def test_chat_words_make_the_same_route() -> None:
    words = ["slack:T1/C123", "--max-score", "6", "--keyword=big reports", "--digest", "weekly"]
    assert parse_route_args(words) == Route(
        "", "slack:T1/C123", max_score=6, keyword="big reports", digest="weekly"
    )


@pytest.mark.parametrize(
    ("words", "reason"),
    [
        (["#general"], "target '#general' should look like slack:C123"),
        (["slack:C1", "--max-score", "11"], "--max-score 11 is outside 0-10"),
        (["slack:C1", "--min-score", "high"], "--min-score 'high' should be a whole number from 0 to 10"),
        (["slack:C1", "--min-score", "8", "--max-score", "6"], "--min-score 8 is above --max-score 6"),
        (["slack:C1", "--digest", "hourly"], "--digest 'hourly' should be off, daily or weekly"),
        (["slack:C1", "--colour", "red"], "unknown option --colour"),
        (["slack:C1", "--tag"], "--tag needs a value"),
        (["slack:C1", "--tag", " "], "--tag is empty"),
        (["slack:C1", "--tag", "a", "--tag", "b"], "--tag is given twice"),
        (["slack:C1", "slack:C2"], "unexpected 'slack:C2'"),
        ([], "give a TARGET"),
    ],
)
def test_bad_route_options_are_refused_with_a_reason(words: list[str], reason: str) -> None:
    with pytest.raises(InvalidRoute) as caught:
        parse_route_args(words)
    assert caught.value.reason.startswith(reason)


def test_routes_are_described_in_one_line() -> None:
    assert describe_route(Route("3", "slack:C1", max_score=6, product="reports")) == (
        "3  slack:C1  score <= 6, product reports  (real time)"
    )
    assert (
        describe_route(Route("4", "console:cx", digest="weekly"))
        == "4  console:cx  every highlight  (weekly digest)"
    )
