"""Digests: what customers said in a period, per route and for the whole company, as neutral structure."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from bot.customer_voice.figures import Theme, nps, top_themes
from bot.customer_voice.items import FeedbackItem
from bot.customer_voice.redaction import redact
from bot.customer_voice.scoring import HighlightScore, Polarity
from bot.customer_voice.similarity import jaccard, shingles
from bot.features.feedback.routing import Route, route_filters_text

Cadence = Literal["daily", "weekly"]
QUOTES = 3
QUOTE_CHARS = 280
_QUOTE_OVERLAP = 0.5
_CADENCE_SPAN = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}
_PREVIOUS = {"daily": "yesterday", "weekly": "last week"}
_CURRENT = {"daily": "today", "weekly": "this week"}


@dataclass(frozen=True, slots=True)
class ScoredItem:
    """An item with its highlight score, as digests take them."""

    item: FeedbackItem
    score: HighlightScore


@dataclass(frozen=True, slots=True)
class Period:
    """A half-open span of time [start, end)."""

    start: datetime
    end: datetime

    def __contains__(self, moment: object) -> bool:
        return isinstance(moment, datetime) and self.start <= moment < self.end


@dataclass(frozen=True, slots=True)
class Quote:
    """A redacted quote and what to show beside it."""

    item_id: str
    text: str
    badge: str
    polarity: Polarity
    product: str | None
    account: str | None


@dataclass(frozen=True, slots=True)
class Digest:
    """A digest ready to render: a title, plain lines, and up to three quotes."""

    title: str
    lines: list[str]
    quotes: list[Quote]
    count: int
    nps: int | None
    nps_change: int | None
    themes: list[Theme] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """Whether nothing happened in the period (then the digest is better not sent)."""
        return self.count == 0


def digest_periods(now: datetime, cadence: Cadence) -> tuple[Period, Period]:
    """The period that ends now and the one before it, each a day or a week long."""
    span = _CADENCE_SPAN[cadence]
    return Period(now - span, now), Period(now - 2 * span, now - span)


def score_badge(item: FeedbackItem) -> str:
    """A short label of the rating: "NPS 3 · detractor", "CSAT 5/5", "★★☆☆☆", or "no rating"."""
    if item.score is None:
        return "no rating"
    if item.scale == "nps":
        group = "detractor" if item.score <= 6 else "promoter" if item.score >= 9 else "passive"
        return f"NPS {item.score} · {group}"
    if item.scale == "stars":
        return "★" * item.score + "☆" * (5 - item.score)
    return f"CSAT {item.score}/5"


def pick_quotes(scored: Sequence[ScoredItem], limit: int = QUOTES) -> list[Quote]:
    """The best scored items as redacted quotes, skipping any that repeat one already picked."""
    ranked = sorted(scored, key=lambda s: (-s.score.value, s.item.received_at, s.item.id))
    quotes: list[Quote] = []
    picked: list[frozenset[str]] = []
    for entry in ranked:
        if len(quotes) == limit:
            break
        grams = shingles(entry.item.text)
        if any(jaccard(grams, other) >= _QUOTE_OVERLAP for other in picked):
            continue
        picked.append(grams)
        item = entry.item
        quotes.append(
            Quote(
                item_id=item.id,
                text=_clip(redact(item.text, item.customer_name)),
                badge=score_badge(item),
                polarity=entry.score.polarity,
                product=item.product,
                account=item.account,
            )
        )
    return quotes


def build_digest(
    title: str,
    cadence: Cadence,
    current: Sequence[ScoredItem],
    previous: Sequence[ScoredItem],
) -> Digest:
    """A digest of the items of one period, compared with the period before."""
    items = [s.item for s in current]
    now_nps = nps(items)
    before_nps = nps([s.item for s in previous])
    change = now_nps - before_nps if now_nps is not None and before_nps is not None else None
    themes = top_themes(items)
    lines = [_count_line(len(items), cadence)]
    if now_nps is not None:
        lines.append(_nps_line(now_nps, change, cadence))
    if themes:
        lines.append("Top themes: " + ", ".join(f"{t.term} ({t.count})" for t in themes))
    praise = sum(s.score.polarity == "praise" for s in current)
    pain = sum(s.score.polarity == "pain" for s in current)
    if praise or pain:
        lines.append(f"{praise} praise, {pain} pain points")
    return Digest(title, lines, pick_quotes(current), len(items), now_nps, change, themes)


def route_digest(
    route: Route,
    cadence: Cadence,
    current: Sequence[ScoredItem],
    previous: Sequence[ScoredItem],
) -> Digest:
    """The digest of one route: pass it the items of each period that the route accepts."""
    filters = route_filters_text(route) if route.has_filter else "all feedback"
    return build_digest(f"Customer voice, {cadence} digest: {filters}", cadence, current, previous)


def company_digest(
    cadence: Cadence,
    period: Period,
    current: Sequence[ScoredItem],
    previous: Sequence[ScoredItem],
    month_line: str | None = None,
) -> Digest:
    """The company-wide "hear the customer" digest of a period, with the month's NPS line when given."""
    title = f"Hear the customer: {_period_words(period, cadence)}"
    digest = build_digest(title, cadence, current, previous)
    if month_line is None:
        return digest
    return dataclasses.replace(digest, lines=[*digest.lines[:2], month_line, *digest.lines[2:]])


def month_nps_line(
    month: datetime, so_far: Sequence[FeedbackItem], before: Sequence[FeedbackItem]
) -> str | None:
    """This month's customer NPS so far and its trend against the whole month before, for everyone."""
    value = nps(so_far)
    if value is None:
        return None
    answers = sum(1 for i in so_far if i.scale == "nps" and i.score is not None)
    line = f"{month:%B} so far: customer NPS {value:+d} ({answers} answers)"
    prior = nps(before)
    if prior is None:
        return line
    last = f"{month.replace(day=1) - timedelta(days=1):%B}"
    if value == prior:
        return f"{line}, same as {last}"
    return f"{line}, {'up' if value > prior else 'down'} {abs(value - prior)} from {last}"


def _count_line(count: int, cadence: Cadence) -> str:
    noun = "item" if count == 1 else "items"
    return f"{count} feedback {noun} {_CURRENT[cadence]}"


def _nps_line(value: int, change: int | None, cadence: Cadence) -> str:
    if change is None:
        return f"NPS {value:+d}"
    if change == 0:
        return f"NPS {value:+d} (same as {_PREVIOUS[cadence]})"
    direction = "up" if change > 0 else "down"
    return f"NPS {value:+d} ({direction} {abs(change)} from {_PREVIOUS[cadence]})"


def _period_words(period: Period, cadence: Cadence) -> str:
    day = f"{period.start.day} {period.start:%b %Y}"
    return day if cadence == "daily" else f"week of {day}"


def _clip(text: str, limit: int = QUOTE_CHARS) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut + "…"
