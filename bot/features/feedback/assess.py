"""One new item through the pure steps: score it, check it against recent items, pick its routes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.features.feedback.items import FeedbackItem
from bot.features.feedback.routing import Route, matching_routes
from bot.features.feedback.scoring import HighlightScore, HighlightScorer
from bot.features.feedback.similarity import NearDuplicate, NearDuplicateIndex


@dataclass(frozen=True, slots=True)
class Assessment:
    """What to do with a new item: its score, the earlier item it repeats if any, and its routes."""

    item: FeedbackItem
    score: HighlightScore
    duplicate_of: NearDuplicate | None
    routes: list[Route] = field(default_factory=list, hash=False)

    @property
    def realtime_routes(self) -> list[Route]:
        """Routes to post to now."""
        return [r for r in self.routes if r.realtime]

    @property
    def digest_routes(self) -> list[Route]:
        """Routes that collect this item for their daily or weekly digest."""
        return [r for r in self.routes if not r.realtime]

    @property
    def waits_for_company_digest(self) -> bool:
        """A new highlight no route takes: it waits for the company-wide digest."""
        return self.score.is_highlight and self.duplicate_of is None and not self.routes


def assess(
    item: FeedbackItem,
    scorer: HighlightScorer,
    recent: NearDuplicateIndex,
    routes: Sequence[Route],
    key: str | None = None,
) -> Assessment:
    """Score the item, count it onto a recent near-duplicate or index it as new, and route it.

    `key` names the item in `recent` (the database id, say); by default "source/id". A repeat is
    never routed: it is counted onto the item it repeats ("and 11 similar this week").
    """
    score = scorer.score(item)
    duplicate = recent.find(item.text)
    if duplicate is not None:
        return Assessment(item, score, duplicate, [])
    recent.add(key or f"{item.source}/{item.id}", item.text, item.received_at)
    return Assessment(item, score, None, matching_routes(item, score, routes))
