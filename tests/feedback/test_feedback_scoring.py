"""Highlight scores: rating, wording and specificity decide, and each reason is said in words."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.customer_voice.items import FeedbackItem
from bot.customer_voice.risk import is_negative
from bot.customer_voice.scoring import HighlightScorer, rating

MakeItem = Callable[..., FeedbackItem]


def test_a_specific_detractor_is_a_pain_highlight_with_its_reasons(
    scorer: HighlightScorer, make_item: MakeItem
) -> None:
    result = scorer.score(make_item(scale="nps", score=3, product="reports"))
    assert result.is_highlight and result.polarity == "pain"
    assert result.reasons[0] == "NPS detractor (3)"
    assert "specific: mentions export, reports" in result.reasons


def test_a_specific_promoter_is_a_praise_highlight(scorer: HighlightScorer, make_item: MakeItem) -> None:
    text = "Love the new dashboard, it saved us 3 hours every Monday on reporting."
    result = scorer.score(make_item(scale="nps", score=10, text=text))
    assert result.is_highlight and result.polarity == "praise"
    assert result.reasons[:2] == ["NPS promoter (10)", "strongly positive wording"]


def test_a_bare_great_is_not_a_highlight_even_from_a_promoter(
    scorer: HighlightScorer, make_item: MakeItem
) -> None:
    result = scorer.score(make_item(scale="nps", score=10, text="Great!"))
    assert not result.is_highlight
    assert "too short to act on" in result.reasons


def test_a_passive_saying_little_scores_near_zero(scorer: HighlightScorer, make_item: MakeItem) -> None:
    result = scorer.score(make_item(scale="nps", score=7, text="It is fine I guess."))
    assert result.polarity == "neutral" and result.value < 0.1 and not result.is_highlight


def test_unrated_feedback_is_judged_by_its_wording(scorer: HighlightScorer, make_item: MakeItem) -> None:
    text = "The invoice PDF has the wrong VAT number since the 2.3 update, our accountant is furious."
    result = scorer.score(make_item(text=text))
    assert result.is_highlight and result.polarity == "pain"
    assert result.reasons[0] == "strongly negative wording"


def test_neutral_usage_notes_are_not_highlights(scorer: HighlightScorer, make_item: MakeItem) -> None:
    text = "We use the reports module daily for our weekly team meeting with 12 managers"
    result = scorer.score(make_item(text=text))
    assert result.polarity == "neutral" and not result.is_highlight


@pytest.mark.parametrize(
    ("scale", "score", "polarity", "reason"),
    [
        ("nps", 0, "pain", "NPS detractor (0)"),
        ("nps", 6, "pain", "NPS detractor (6)"),
        ("nps", 7, "neutral", None),
        ("nps", 8, "neutral", None),
        ("nps", 9, "praise", "NPS promoter (9)"),
        ("csat", 1, "pain", "lowest CSAT (1)"),
        ("csat", 2, "pain", "low CSAT (2)"),
        ("csat", 3, "neutral", None),
        ("stars", 5, "praise", "top star rating (5)"),
        ("none", None, "neutral", None),
    ],
)
def test_ratings_speak_at_the_extremes(
    make_item: MakeItem, scale: str, score: int | None, polarity: str, reason: str | None
) -> None:
    said = rating(make_item(scale=scale, score=score))
    assert (said.polarity, said.reason) == (polarity, reason)
    assert (said.strength > 0) == (reason is not None)


def test_harsher_ratings_weigh_more(make_item: MakeItem) -> None:
    strengths = [rating(make_item(scale="nps", score=s)).strength for s in range(7)]
    assert strengths == sorted(strengths, reverse=True)


def test_a_strong_clash_between_score_and_wording_is_noted(
    scorer: HighlightScorer, make_item: MakeItem
) -> None:
    text = "This is the worst, terrible and awful, I hate the new export"
    result = scorer.score(make_item(scale="nps", score=10, text=text))
    assert result.polarity == "praise"
    assert "mixed: strongly negative wording with a praise score" in result.reasons


def test_more_specific_text_scores_higher(scorer: HighlightScorer, make_item: MakeItem) -> None:
    vague = scorer.score(make_item(scale="nps", score=4, text="Not happy with it."))
    specific = scorer.score(
        make_item(
            scale="nps", score=4, text="Export to Excel drops rows past 65,536 on the quarterly sales report."
        )
    )
    assert specific.value > vague.value


def test_the_threshold_decides_is_highlight(make_item: MakeItem) -> None:
    item = make_item(scale="nps", score=3)
    lenient, strict = HighlightScorer(threshold=0.1).score(item), HighlightScorer(threshold=0.99).score(item)
    assert lenient.value == strict.value
    assert lenient.is_highlight and not strict.is_highlight


def test_scores_stay_between_zero_and_one(scorer: HighlightScorer, make_item: MakeItem) -> None:
    text = "worst awful terrible horrible hate " * 200 + " export 2.3.1 sso dashboard invoices reports"
    for scale, score in [("nps", 0), ("csat", 1), ("stars", 5), ("none", None)]:
        result = scorer.score(make_item(scale=scale, score=score, text=text))
        assert 0.0 <= result.value <= 1.0


@pytest.mark.parametrize(
    "text",
    [
        "I wish I could export invoices to PDF straight from the reports page.",
        "Would be great if the mobile app supported dark mode for the dashboard.",
        "We'd love it if reports could be scheduled every Monday morning.",
        "Please add a Xero integration for our bookkeeping team.",
        "Any chance you could add multi-currency support for CHF invoices?",
        "We really need an approval workflow before invoices go out.",
        "Missing: scheduled reports by email every Monday.",
    ],
)
def test_a_customer_asking_for_a_missing_feature_is_heard_but_not_as_praise(
    scorer: HighlightScorer, make_item: MakeItem, text: str
) -> None:
    result = scorer.score(make_item(text=text))
    assert result.polarity == "neutral", result.reasons
    assert "asks for something it lacks" in result.reasons
    assert not any("positive wording" in reason for reason in result.reasons)
    assert result.value >= 0.25


def test_praise_beside_a_request_is_still_praise(scorer: HighlightScorer, make_item: MakeItem) -> None:
    text = "Love the new dashboard, it saved us hours every week. I wish the export were faster."
    result = scorer.score(make_item(text=text))
    assert result.polarity == "praise"
    assert "asks for something it lacks" in result.reasons


def test_a_request_that_complains_stays_pain(scorer: HighlightScorer, make_item: MakeItem) -> None:
    text = "The sync is broken again and we lost a whole day of invoices. Please add a status page."
    result = scorer.score(make_item(text=text))
    assert result.polarity == "pain"
    assert result.reasons[0].endswith("negative wording")


def test_a_request_does_not_count_against_the_account(scorer: HighlightScorer, make_item: MakeItem) -> None:
    item = make_item(text="I wish we could invite our accountant to the reports.", account="Northwind")
    assert not is_negative(item, scorer.score(item))


@pytest.mark.parametrize(
    "text",
    [
        "Le support est nul, trois semaines sans réponse. Nous allons résilier notre abonnement.",
        "Der Support ist super langsam und die Rechnungen sind falsch, wir kündigen.",
        "El soporte no contesta y nos cobraron dos veces, vamos a cancelar.",
    ],
)
def test_wording_in_another_language_is_not_read_as_english_feelings(
    scorer: HighlightScorer, make_item: MakeItem, text: str
) -> None:
    result = scorer.score(make_item(text=text))
    assert result.polarity == "neutral" and not result.is_highlight
    assert "not in English: its wording is not scored" in result.reasons
    assert not any(reason.startswith("specific:") and " " in reason[19:] for reason in result.reasons)


def test_a_rating_still_speaks_for_feedback_in_another_language(
    scorer: HighlightScorer, make_item: MakeItem
) -> None:
    text = "Le support est nul, trois semaines sans réponse. Nous allons résilier notre abonnement."
    result = scorer.score(make_item(scale="nps", score=1, text=text))
    assert result.polarity == "pain" and result.reasons[0] == "NPS detractor (1)"
