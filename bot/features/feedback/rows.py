"""Between the feature's tables and its pure types: records as items, scores and routes, and back."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any, cast

from bot.core.targets import bare_conversation, parse_target
from bot.core.types import ConversationRef
from bot.customer_voice.items import FeedbackItem, Scale
from bot.customer_voice.names import scrub
from bot.customer_voice.redaction import redaction
from bot.customer_voice.risk import account_key
from bot.customer_voice.scoring import HighlightScore, Polarity
from bot.features.feedback.routing import DigestMode, Route
from bot.features.feedback.tables import FeedbackRecord, RouteRecord


def record_values(
    item: FeedbackItem, score: HighlightScore, now: datetime, redacted_text: str
) -> dict[str, Any]:
    """The column values of a newly accepted item's row (not yet linked to an original or routed)."""
    return {
        "source": item.source,
        "external_id": item.id,
        "received_at": item.received_at,
        "created_at": now,
        "scale": item.scale,
        "score": item.score,
        "text": item.text,
        "redacted_text": redacted_text,
        "customer_name": _clip(item.customer_name, 255),
        "customer_email": _clip(item.customer_email, 320),
        "account": _clip(item.account, 255),
        "account_key": _clip(account_key(item.account), 255) if item.account else None,
        "product": _clip(item.product, 255),
        "tags": json.dumps(list(item.tags)),
        "metadata": json.dumps(dict(item.metadata), default=str),
        "highlight_score": score.value,
        "polarity": score.polarity,
        "reasons": json.dumps(score.reasons),
        "is_highlight": score.is_highlight,
        "duplicate_of": None,
        "similar_count": 0,
        "at_risk": False,
        "routed_to": "[]",
        "claimed_by": None,
        "claimed_at": None,
    }


def record_item(record: FeedbackRecord) -> FeedbackItem:
    """The item a row was made from."""
    return FeedbackItem(
        id=record.external_id,
        source=record.source,
        text=record.text,
        received_at=record.received_at,
        scale=cast(Scale, record.scale),
        score=record.score,
        customer_name=record.customer_name,
        customer_email=record.customer_email,
        account=record.account,
        product=record.product,
        tags=tuple(json_list(record.tags)),
        metadata=json_object(record.extra),
    )


def record_score(record: FeedbackRecord) -> HighlightScore:
    """The highlight score stored with a row."""
    return HighlightScore(
        record.highlight_score,
        cast(Polarity, record.polarity),
        [str(r) for r in json_list(record.reasons)],
        record.is_highlight,
    )


def shown_text(record: FeedbackRecord) -> str:
    """A row's text as shown: redacted again from the customer's words, so rows stored before redaction took
    more out (the writer's own name) show without it."""
    return redaction(record.text, record.customer_name).text


def shown_reasons(record: FeedbackRecord) -> list[str]:
    """A row's reasons as shown: checked against the names redaction takes out (rows scored before it did)."""
    reasons = [str(r) for r in json_list(record.reasons)]
    if not reasons:
        return reasons
    names = redaction(record.text, record.customer_name).names
    return [scrub(reason, names) for reason in reasons]


def record_route(record: RouteRecord) -> Route:
    """A route row as the pure Route."""
    return Route(
        id=str(record.id),
        target=record.target,
        min_score=record.min_score,
        max_score=record.max_score,
        product=record.product,
        tag=record.tag,
        keyword=record.keyword,
        digest=cast(DigestMode, record.digest),
    )


def route_record(route: Route, created_by: str, now: datetime) -> RouteRecord:
    """A new row for a route parsed from the CLI or chat."""
    return RouteRecord(
        target=route.target,
        min_score=route.min_score,
        max_score=route.max_score,
        product=route.product,
        tag=route.tag,
        keyword=route.keyword,
        digest=route.digest,
        created_by=created_by,
        created_at=now,
    )


def target_conversation(target: str, known: Mapping[str, ConversationRef] | None = None) -> ConversationRef:
    """The conversation a TARGET names: the stored reference when the bot has been there, else built."""
    parsed = parse_target(target)
    if known and str(parsed) in known:
        return known[str(parsed)]
    return bare_conversation(parsed)


def json_list(raw: str | None) -> list[Any]:
    """A JSON list column, [] when empty or damaged."""
    try:
        value = json.loads(raw or "[]")
    except ValueError:
        return []
    return value if isinstance(value, list) else []


def json_object(raw: str | None) -> dict[str, Any]:
    """A JSON object column, {} when empty or damaged."""
    try:
        value = json.loads(raw or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _clip(value: str | None, limit: int) -> str | None:
    return value[:limit] if value is not None else None
