"""The pure, CPU-bound part of intake: score, redact and fingerprint each item before any database work."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from bot.customer_voice.items import FeedbackItem
from bot.customer_voice.redaction import redaction
from bot.customer_voice.scoring import HighlightScore, HighlightScorer
from bot.customer_voice.similarity import Fingerprint, fingerprints
from bot.features.feedback.rows import record_values


@dataclass(frozen=True, slots=True)
class Prepared:
    """An item with what intake computes before touching the database."""

    item: FeedbackItem
    score: HighlightScore
    values: dict[str, Any]
    mark: Fingerprint


def prepare(items: Sequence[FeedbackItem], now: datetime, scorer: HighlightScorer) -> list[Prepared]:
    """Redact, score and fingerprint each item."""
    marks = fingerprints([item.text for item in items])
    prepared = []
    for item, mark in zip(items, marks, strict=True):
        redacted = redaction(item.text, item.customer_name)
        # Scored on the redacted text: its reasons ("mentions ...") are posted beside the quote.
        score = scorer.score(replace(item, text=redacted.text))
        values = record_values(item, score, now, redacted.text)
        prepared.append(Prepared(item, score, values, mark))
    return prepared
