"""Filters of feedback items by score, product, tag and keyword, as routes and teams of the company use them."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from bot.customer_voice.items import SCALE_RANGES, FeedbackItem
from bot.customer_voice.terms import mentions

SCORE_MIN, SCORE_MAX = 0, 10
# At most this many of the values feedback has used are named beside a filter that matches none of them.
NAMED_VALUES = 8


class InvalidFilter(ValueError):
    """Filter options that cannot make a filter; `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class ItemFilter:
    """Which items pass: a score range (a score filter needs a score), a product, a tag, a keyword."""

    min_score: int | None = None
    max_score: int | None = None
    product: str | None = None
    tag: str | None = None
    keyword: str | None = None

    @property
    def narrows(self) -> bool:
        """Whether the filter leaves any item out; one without options takes every item."""
        return any(
            v is not None for v in (self.min_score, self.max_score, self.product, self.tag, self.keyword)
        )

    def accepts(self, item: FeedbackItem) -> bool:
        """Whether the item passes every option (scores as on NPS's 0 to 10, whatever the item's scale)."""
        score = on_nps_scale(item)
        if self.min_score is not None and (score is None or score < self.min_score):
            return False
        if self.max_score is not None and (score is None or score > self.max_score):
            return False
        if self.product is not None and (item.product or "").casefold() != self.product.casefold():
            return False
        if self.tag is not None and self.tag.casefold() not in {t.casefold() for t in item.tags}:
            return False
        return self.keyword is None or mentions(item.text, self.keyword)


def on_nps_scale(item: FeedbackItem) -> float | None:
    """The item's score stretched onto NPS's 0 to 10, so one score range fits every scale: a CSAT or star
    rating of 5 is 10, of 3 is 5, of 1 is 0 (a route for detractors, `--max-score 6`, takes CSAT 1 to 3)."""
    if item.score is None or item.scale not in SCALE_RANGES:
        return None
    low, high = SCALE_RANGES[item.scale]
    return (item.score - low) * 10 / (high - low)


@dataclass(frozen=True)
class UsedLabels:
    """The products and tags stored feedback carries: what a filter's product or tag can match today."""

    products: frozenset[str]
    tags: frozenset[str]


def unheard(item_filter: ItemFilter, used: UsedLabels | None) -> list[str]:
    """The filter's product or tag that no stored feedback carries, as a sentence each naming what feedback has
    used ("reprots" for "reports" would take nothing, silently). Nothing before any feedback (`used` None)."""
    if used is None:
        return []
    notes = []
    for name, wanted, seen in (
        ("product", item_filter.product, used.products),
        ("tag", item_filter.tag, used.tags),
    ):
        if wanted is not None and wanted.casefold() not in {value.casefold() for value in seen}:
            notes.append(
                f'no feedback so far has {name} "{wanted}" ({name}s seen: {_some(seen)}); check the spelling'
            )
    return notes


def _some(values: Collection[str]) -> str:
    named = sorted(values, key=str.casefold)[:NAMED_VALUES]
    more = len(values) - len(named)
    return (", ".join(named) or "none") + (f" and {more} more" if more > 0 else "")


def parse_filter(
    *,
    min_score: int | str | None = None,
    max_score: int | str | None = None,
    product: str | None = None,
    tag: str | None = None,
    keyword: str | None = None,
) -> ItemFilter:
    """An ItemFilter from CLI or chat options, or InvalidFilter with a reason a person can act on."""
    low = _score_option("--min-score", min_score)
    high = _score_option("--max-score", max_score)
    if low is not None and high is not None and low > high:
        raise InvalidFilter(f"--min-score {low} is above --max-score {high}")
    return ItemFilter(
        min_score=low,
        max_score=high,
        product=_text_option("--product", product),
        tag=_text_option("--tag", tag),
        keyword=_text_option("--keyword", keyword),
    )


def _score_option(name: str, value: int | str | None) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise InvalidFilter(f"{name} should be a whole number from {SCORE_MIN} to {SCORE_MAX}")
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            reason = f"{name} {value!r} should be a whole number from {SCORE_MIN} to {SCORE_MAX}"
            raise InvalidFilter(reason) from None
    if not SCORE_MIN <= value <= SCORE_MAX:
        raise InvalidFilter(f"{name} {value} is outside {SCORE_MIN}-{SCORE_MAX}")
    return value


def _text_option(name: str, value: str | None) -> str | None:
    if value is None:
        return None
    if not value.strip():
        raise InvalidFilter(f"{name} is empty")
    return value.strip()
