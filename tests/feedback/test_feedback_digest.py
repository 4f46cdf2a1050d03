"""Digests: count, NPS and its change, top themes and three redacted quotes, per route and company-wide."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.customer_voice.figures import nps, top_themes
from bot.customer_voice.items import FeedbackItem
from bot.customer_voice.scoring import HighlightScorer
from bot.features.feedback.digest import (
    Period,
    ScoredItem,
    company_digest,
    digest_periods,
    pick_quotes,
    route_digest,
    score_badge,
)
from bot.features.feedback.routing import Route

MakeItem = Callable[..., FeedbackItem]
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def scored(scorer: HighlightScorer, make_item: MakeItem, n: int, **fields: object) -> ScoredItem:
    item = make_item(id=f"r{n}", **fields)
    return ScoredItem(item, scorer.score(item))


def test_nps_is_promoters_minus_detractors_in_percent(make_item: MakeItem) -> None:
    scores = [10, 9, 9, 8, 7, 6, 3]
    items = [make_item(scale="nps", score=s) for s in scores] + [make_item(scale="csat", score=1)]
    assert nps(items) == round(100 * (3 - 2) / 7)
    assert nps([make_item(scale="csat", score=1)]) is None


def test_periods_are_back_to_back() -> None:
    current, previous = digest_periods(NOW, "weekly")
    assert current == Period(NOW - timedelta(days=7), NOW)
    assert previous.end == current.start and previous.start == NOW - timedelta(days=14)
    assert NOW - timedelta(days=1) in current and NOW not in current


def test_badges_show_the_rating(make_item: MakeItem) -> None:
    assert score_badge(make_item(scale="nps", score=3)) == "NPS 3 · detractor"
    assert score_badge(make_item(scale="nps", score=8)) == "NPS 8 · passive"
    assert score_badge(make_item(scale="stars", score=4)) == "★★★★☆"
    assert score_badge(make_item(scale="csat", score=5)) == "CSAT 5/5"
    assert score_badge(make_item()) == "no rating"


def test_themes_are_tags_and_words_several_items_share(make_item: MakeItem) -> None:
    items = [
        make_item(text="Export to Excel breaks", tags=["export"]),
        make_item(text="Exporting to Excel is slow", tags=["export"]),
        make_item(text="Excel export fails on invoices", tags=["Export"]),
        make_item(text="Invoices show the wrong currency"),
        make_item(text="Great support"),
    ]
    themes = top_themes(items)
    assert themes[0].term == "export" and themes[0].count == 3
    assert ("excel", 3) in [(t.term, t.count) for t in themes]
    assert ("invoices", 2) in [(t.term, t.count) for t in themes]
    assert all(t.count >= 2 for t in themes)
    assert "support" not in [t.term for t in themes]


def test_quotes_are_the_best_three_redacted_and_not_repeats(
    scorer: HighlightScorer, make_item: MakeItem
) -> None:
    dana = {"name": "Dana Reyes", "email": "dana@example.com"}
    entries = [
        scored(
            scorer,
            make_item,
            1,
            scale="nps",
            score=0,
            customer=dana,
            text="Dana here: export to Excel breaks on big reports, call +44 20 7946 0958.",
        ),
        scored(scorer, make_item, 2, scale="nps", score=0, text="Export to Excel breaks on big reports!"),
        scored(
            scorer,
            make_item,
            3,
            scale="nps",
            score=10,
            text="Love the new dashboard, it saved us 3 hours every Monday on reporting.",
        ),
        scored(
            scorer,
            make_item,
            4,
            scale="csat",
            score=1,
            text="Waited 40 minutes on chat and the agent closed the SSO ticket unsolved.",
        ),
        scored(scorer, make_item, 5, scale="nps", score=8, text="ok"),
    ]
    quotes = pick_quotes(entries)
    assert len(quotes) == 3
    assert "r2" not in [q.item_id for q in quotes] or "r1" not in [q.item_id for q in quotes]
    assert "r5" not in [q.item_id for q in quotes]
    first = next(q for q in quotes if q.item_id in ("r1", "r2"))
    assert "Dana" not in first.text and "7946" not in first.text


def test_long_quotes_are_clipped_at_a_word(scorer: HighlightScorer, make_item: MakeItem) -> None:
    entry = scored(scorer, make_item, 1, scale="nps", score=2, text="export breaks again " * 40)
    [quote] = pick_quotes([entry])
    assert len(quote.text) <= 280 and quote.text.endswith("…")
    kept = quote.text[:-1]
    assert ("export breaks again " * 40).startswith(kept + " ")


def test_a_route_digest_counts_compares_nps_and_quotes(scorer: HighlightScorer, make_item: MakeItem) -> None:
    current = [
        scored(
            scorer,
            make_item,
            n,
            scale="nps",
            score=s,
            text=f"Export to Excel breaks on report {n}",
            tags=["export"],
        )
        for n, s in enumerate([2, 3, 10, 9])
    ]
    previous = [scored(scorer, make_item, 10 + n, scale="nps", score=s) for n, s in enumerate([2, 3, 4, 10])]
    digest = route_digest(Route("1", "slack:C1", max_score=6), "weekly", current, previous)
    assert digest.title == "Customer voice, weekly digest: score <= 6"
    assert (digest.count, digest.nps, digest.nps_change) == (4, 0, 50)
    assert digest.lines[0] == "4 feedback items this week"
    assert digest.lines[1] == "NPS +0 (up 50 from last week)"
    assert digest.lines[2].startswith("Top themes: export (4)")
    assert len(digest.quotes) <= 3 and digest.quotes
    assert not digest.empty


def test_a_period_without_nps_items_says_no_nps(scorer: HighlightScorer, make_item: MakeItem) -> None:
    digest = route_digest(
        Route("1", "slack:C1"), "daily", [scored(scorer, make_item, 1, scale="csat", score=1)], []
    )
    assert digest.title == "Customer voice, daily digest: all feedback"
    assert digest.nps is None and digest.nps_change is None
    assert digest.lines[0] == "1 feedback item today"
    assert not any(line.startswith("NPS") for line in digest.lines)


def test_an_empty_period_gives_an_empty_digest() -> None:
    digest = company_digest("weekly", Period(NOW - timedelta(days=7), NOW), [], [])
    assert digest.empty and digest.quotes == [] and digest.lines == ["0 feedback items this week"]


def test_the_company_digest_is_titled_by_its_week(scorer: HighlightScorer, make_item: MakeItem) -> None:
    start = datetime(2026, 11, 16, tzinfo=UTC)
    same = [scored(scorer, make_item, 1, scale="nps", score=9, text="Good")]
    digest = company_digest("weekly", Period(start, start + timedelta(days=7)), same, same)
    assert digest.title == "Hear the customer: week of 16 Nov 2026"
    assert "NPS +100 (same as last week)" in digest.lines


def test_themes_never_show_the_customers_name_or_contact(make_item: MakeItem) -> None:
    dana = {"name": "Dana Reyes", "email": "dana@example.com"}
    items = [
        make_item(text="Dana here, the sync fails, write to dana@example.com", customer=dana),
        make_item(text="Dana again: sync fails at night, dana@example.com", customer=dana),
    ]
    terms = [t.term for t in top_themes(items)]
    assert "sync" in terms
    assert not {"dana", "email", "name", "example.com"} & set(terms)
