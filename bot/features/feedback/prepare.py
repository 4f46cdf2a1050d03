"""The pure, CPU-bound part of intake: score, redact and fingerprint each item before any database work."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.features.feedback.items import FeedbackItem
from bot.features.feedback.scoring import HighlightScore, HighlightScorer
from bot.features.feedback.similarity import Fingerprint, fingerprints
from bot.features.feedback.store import record_values


@dataclass(frozen=True, slots=True)
class Prepared:
    """An item with what intake computes before touching the database."""

    item: FeedbackItem
    score: HighlightScore
    values: dict[str, Any]
    mark: Fingerprint


def prepare(items: Sequence[FeedbackItem], now: datetime, scorer: HighlightScorer) -> list[Prepared]:
    """Score, redact and fingerprint each item."""
    marks = fingerprints([item.text for item in items])
    prepared = []
    for item, mark in zip(items, marks, strict=True):
        score = scorer.score(item)
        prepared.append(Prepared(item, score, record_values(item, score, now), mark))
    return prepared
