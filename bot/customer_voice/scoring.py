"""How much an item deserves to be heard: rating, wording and specificity, each with a reason."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Literal

from bot.customer_voice.items import FeedbackItem
from bot.customer_voice.language import is_english
from bot.customer_voice.placeholders import PLACEHOLDER_WORDS
from bot.customer_voice.requests import split_requests
from bot.customer_voice.sentiment import LexiconSentiment
from bot.customer_voice.terms import BASE_SKIP, TextTerms, analyse, mentions

Polarity = Literal["praise", "pain", "neutral"]

HIGHLIGHT_THRESHOLD = 0.5
_STRONG_WORDING = 0.6
_CLEAR_WORDING = 0.3
_SENTIMENT_CHARS = 2_000  # the opening says how someone feels; scoring a whole essay only costs time
_MIN_CONTENT_WORDS = 3
_INTENSITY_WEIGHT = 0.55
_SPECIFICITY_WEIGHT = 0.45
_AGREEMENT_BONUS = 0.1
# How strongly asking for something missing speaks, on the scale of wording and ratings: worth hearing, though
# it says nothing of how the customer feels.
_REQUEST_STRENGTH = 0.5
ASKS_FOR_SOMETHING = "asks for something it lacks"
NOT_ENGLISH = "not in English: its wording is not scored"


@dataclass(frozen=True, slots=True)
class HighlightScore:
    """An item's highlight score in [0, 1], whether it is praise or pain, and why."""

    value: float
    polarity: Polarity
    reasons: list[str] = field(default_factory=list, hash=False)
    is_highlight: bool = False


@dataclass(frozen=True, slots=True)
class Rating:
    """How strongly an item's score speaks (0-1), for praise or pain, with its reason."""

    strength: float
    polarity: Polarity
    reason: str | None


def rating(item: FeedbackItem) -> Rating:
    """What the item's score says: strong at the extremes of its scale, silent in the middle."""
    score = item.score
    if score is None or item.scale == "none":
        return Rating(0.0, "neutral", None)
    if item.scale == "nps":
        if score <= 6:
            return Rating(0.6 + 0.4 * (6 - score) / 6, "pain", f"NPS detractor ({score})")
        if score >= 9:
            return Rating(0.6 + 0.15 * (score - 9), "praise", f"NPS promoter ({score})")
        return Rating(0.0, "neutral", None)
    label = "CSAT" if item.scale == "csat" else "star rating"
    if score == 1:
        return Rating(1.0, "pain", f"lowest {label} (1)")
    if score == 2:
        return Rating(0.5, "pain", f"low {label} (2)")
    if score == 5:
        return Rating(0.7, "praise", f"top {label} (5)")
    return Rating(0.0, "neutral", None)


class HighlightScorer:
    """Scores items; holds the sentiment model, which is slow to load, so make one and reuse it."""

    def __init__(
        self,
        product_terms: Collection[str] = (),
        threshold: float = HIGHLIGHT_THRESHOLD,
    ) -> None:
        self._analyzer = LexiconSentiment()
        # Feelings are scored as sentiment; specifics are what the text is about ("[name]" never is).
        self._skip = BASE_SKIP | frozenset(self._analyzer.lexicon) | PLACEHOLDER_WORDS
        self.product_terms = tuple(t.strip() for t in product_terms if t.strip())
        self.threshold = threshold

    def sentiment(self, text: str) -> float:
        """VADER's compound sentiment of the text, from -1 (negative) to 1 (positive)."""
        return float(self._analyzer.polarity_scores(text[:_SENTIMENT_CHARS])["compound"])

    def score(self, item: FeedbackItem) -> HighlightScore:
        """The item's highlight score with the reasons a person would give."""
        reasons: list[str] = []
        by_score = rating(item)
        if by_score.reason:
            reasons.append(by_score.reason)
        english = is_english(item.text)
        compound = self.sentiment(item.text) if english else 0.0
        if not english:
            reasons.append(NOT_ENGLISH)
        asking, others = split_requests(item.text)
        if asking and compound > 0:
            # "I wish I could export to PDF" is no praise: only what the other sentences say is.
            compound = self.sentiment(" ".join(others)) if others else 0.0
        wording: Polarity = "neutral"
        if abs(compound) >= _CLEAR_WORDING:
            wording = "pain" if compound < 0 else "praise"
        strong = abs(compound) >= _STRONG_WORDING
        described = f"{'strongly ' if strong else ''}{'negative' if compound < 0 else 'positive'} wording"
        value = 0.0
        if by_score.polarity == "neutral":
            polarity = wording
            if wording != "neutral":
                reasons.append(described)
                value = _INTENSITY_WEIGHT * abs(compound)
        else:
            polarity = by_score.polarity
            value = _INTENSITY_WEIGHT * by_score.strength
            if wording == by_score.polarity:
                reasons.append(described)
                value = _INTENSITY_WEIGHT * max(by_score.strength, abs(compound)) + _AGREEMENT_BONUS
            elif wording != "neutral" and strong:
                # Lexicon sentiment misreads short domain text; only a strong clash is worth saying.
                reasons.append(f"mixed: {described} with a {by_score.polarity} score")
        if asking:
            reasons.append(ASKS_FOR_SOMETHING)
            if polarity == "neutral":
                value = _INTENSITY_WEIGHT * _REQUEST_STRENGTH
        terms = analyse(item.text, self._skip)
        specificity, specifics = self._specificity(item, terms, english)
        value += _SPECIFICITY_WEIGHT * specificity
        if specifics:
            reasons.append("specific: mentions " + ", ".join(specifics))
        if len(terms.words) < _MIN_CONTENT_WORDS and not specifics:
            value *= 0.5
            reasons.append("too short to act on")
        value = round(min(1.0, max(0.0, value)), 3)
        return HighlightScore(value, polarity, reasons, value >= self.threshold)

    def _specificity(self, item: FeedbackItem, terms: TextTerms, english: bool) -> tuple[float, list[str]]:
        text = item.text
        token_set = frozenset(terms.tokens)
        named_terms = [t for t in self.product_terms if mentions(text, t, token_set)]
        if item.product and item.product not in named_terms and mentions(text, item.product, token_set):
            named_terms.append(item.product)
        # Phrases are found between English stop words: in another language they are scraps ("le joindre au").
        multiword = [p for p in terms.phrases if " " in p] if english else []
        value = 0.35 * min(len(terms.words) / 12, 1.0)
        value += 0.2 if terms.has_number else 0.0
        value += 0.3 if named_terms else 0.0
        value += 0.15 * min(len(multiword) / 2, 1.0)
        named: list[str] = []
        for term in [*named_terms, *multiword]:
            lowered = term.casefold()
            if not any(lowered in n or n in lowered for n in named):
                named.append(lowered)
        return min(value, 1.0), named[:3]
