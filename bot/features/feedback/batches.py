"""Batches of feedback records the core hands over (a webhook body): validated all or nothing, then taken in."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import datetime

from bot.core.records import BatchTaken, Record, RecordBatch, RecordRefused
from bot.customer_voice.items import FeedbackItem, InvalidFeedback, validate_record
from bot.features.feedback.intake import FeedbackIntake

# The kind of record batch this feature takes (the feedback webhook's).
KIND = "feedback"


def items_of(records: Iterable[Record], now: datetime | None = None) -> list[FeedbackItem]:
    """Every record validated, in order; RecordRefused names the first one refused."""
    items: list[FeedbackItem] = []
    for record in records:
        try:
            items.append(validate_record(record, now))
        except InvalidFeedback as error:
            raise RecordRefused(record.line, error.reason) from None
    return items


async def take_batch(intake: FeedbackIntake, batch: RecordBatch) -> BatchTaken:
    """Store a batch's items in one transaction, or refuse it whole when one record is invalid."""
    # In a thread, as the intake's preparing is: a webhook body may hold tens of thousands of records.
    items = await asyncio.to_thread(items_of, batch.records, intake.now())
    result = await intake.accept(items)
    return BatchTaken(result.accepted, result.duplicates)
