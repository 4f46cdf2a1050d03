"""A feedback item as it arrives from a survey or helpdesk tool, and its validation."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, cast, get_args

from bot.core.records import Record

Scale = Literal["nps", "csat", "stars", "none"]
SCALES: tuple[Scale, ...] = get_args(Scale)
SCALE_RANGES: Mapping[str, tuple[int, int]] = {"nps": (0, 10), "csat": (1, 5), "stars": (1, 5)}

MAX_ID_LENGTH = 200
MAX_TEXT_LENGTH = 20_000
# A product, a customer's name, email or account: a label, not a text (an email address is at most 254).
MAX_LABEL_LENGTH = 320
MAX_TAGS = 50
# A time ahead of the clock by more than this is no time feedback was received (clocks differ by less).
MOST_AHEAD = timedelta(days=1)
# Nothing was received before this: an older time is an empty date written as a "zero time" (0001-01-01).
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
_KNOWN_FIELDS = frozenset(
    {"id", "source", "received_at", "scale", "score", "text", "customer", "product", "tags"}
)
_CUSTOMER_FIELDS = frozenset({"name", "email", "account"})


class InvalidFeedback(ValueError):
    """A feedback item that cannot be accepted; `reason` says why in plain words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class FeedbackItem:
    """One piece of customer feedback; unique by (source, id)."""

    id: str
    source: str
    text: str
    received_at: datetime = field(default_factory=_now)
    scale: Scale = "none"
    score: int | None = None
    customer_name: str | None = None
    customer_email: str | None = None
    account: str | None = None
    product: str | None = None
    tags: tuple[str, ...] = ()
    # Unknown fields are kept, not refused, so senders can add fields without breaking intake.
    metadata: Mapping[str, Any] = field(default_factory=dict, hash=False)

    @property
    def key(self) -> tuple[str, str]:
        """The (source, id) pair that makes an item unique."""
        return (self.source, self.id)


def parse_item(obj: object, now: datetime | None = None, *, from_plain_json: bool = False) -> FeedbackItem:
    """Validate one decoded JSON object into a FeedbackItem, or raise InvalidFeedback.

    An item without received_at is stamped with `now` (the clock's time; the system time if None).
    `from_plain_json` says the object was decoded from JSON text without a `\\u` escape: a NUL or a lone
    surrogate gets into a decoded string only through one, so its strings need no check for them.
    """
    if not isinstance(obj, Mapping):
        raise InvalidFeedback(f"an item must be a JSON object, got {_json_type(obj)}")
    if not from_plain_json:
        _check_storable(obj, "")
    item_id = _required_key(obj, "id")
    source = _required_key(obj, "source")
    text = _required_text(obj)
    scale, score = _scale_and_score(obj.get("scale"), obj.get("score"))
    now = now or _now()
    received_at = parse_received_at(obj["received_at"]) if obj.get("received_at") is not None else now
    if received_at > now + MOST_AHEAD:
        raise InvalidFeedback(f"received_at {received_at.isoformat()} is in the future")
    if received_at < EARLIEST:
        raise InvalidFeedback(
            f"received_at {received_at.isoformat()} is before 1970 (an empty date?); leave it out to use the "
            "time it arrives"
        )
    name, email, account, customer_extra = _customer(obj.get("customer"))
    metadata: dict[str, Any] = {k: v for k, v in obj.items() if k not in _KNOWN_FIELDS}
    if customer_extra:
        metadata["customer"] = customer_extra
    return FeedbackItem(
        id=item_id,
        source=source,
        text=text,
        received_at=received_at,
        scale=scale,
        score=score,
        customer_name=name,
        customer_email=email,
        account=account,
        product=_optional_text(obj, "product"),
        tags=_tags(obj.get("tags")),
        metadata=metadata,
    )


def validate_record(record: Record, now: datetime | None = None) -> FeedbackItem:
    """The item a format read, validated; InvalidFeedback says why it is refused."""
    if record.fields is None and record.problem is not None:
        raise InvalidFeedback(record.problem)
    item = parse_item(record.fields, now, from_plain_json=record.plain_json)
    if record.problem is not None:
        raise InvalidFeedback(record.problem)
    if record.metadata is not None:
        item = dataclasses.replace(item, metadata=dict(record.metadata))
    return item


def parse_received_at(value: object) -> datetime:
    """An ISO-8601 string or Unix seconds as an aware UTC datetime; a time without zone is taken as UTC."""
    if isinstance(value, bool):
        raise InvalidFeedback(f"received_at must be an ISO-8601 time, got {_json_type(value)}")
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise InvalidFeedback("received_at is not a finite number")
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            raise InvalidFeedback(f"received_at {value} is out of range") from None
    if not isinstance(value, str):
        raise InvalidFeedback(f"received_at must be an ISO-8601 time, got {_json_type(value)}")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidFeedback(
            f"received_at {_clip(value)!r} is not an ISO-8601 time like 2026-11-20T09:14:00Z"
        ) from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+05:00 is before year 1 in UTC
        raise InvalidFeedback(f"received_at {_clip(value)!r} is out of range") from None


def parse_score(value: object) -> int | None:
    """A score as a whole number: ints, integral floats and digit strings are accepted."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise InvalidFeedback("score must be a whole number, got a boolean")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise InvalidFeedback(f"score {value} is not a whole number")
    if isinstance(value, str):
        stripped = value.strip()
        if not stripped:
            return None
        try:
            number = float(stripped)
        except ValueError:
            raise InvalidFeedback(f"score {_clip(value)!r} is not a whole number") from None
        if not number.is_integer():
            raise InvalidFeedback(f"score {stripped} is not a whole number")
        return int(number)
    raise InvalidFeedback(f"score must be a whole number, got {_json_type(value)}")


def _scale_and_score(raw_scale: object, raw_score: object) -> tuple[Scale, int | None]:
    score = parse_score(raw_score)
    if raw_scale is None or raw_scale == "":
        if score is not None:
            raise InvalidFeedback(f"score {score} needs a scale: nps, csat or stars")
        return "none", None
    if not isinstance(raw_scale, str):
        raise InvalidFeedback(f"scale must be a string, got {_json_type(raw_scale)}")
    scale = raw_scale.strip().lower()
    if scale not in SCALES:
        raise InvalidFeedback(f"unknown scale {_clip(raw_scale)!r}; use nps, csat, stars or none")
    if scale == "none":
        if score is not None:
            raise InvalidFeedback(f"score {score} given with scale none; use nps, csat or stars")
        return "none", None
    if score is not None:
        low, high = SCALE_RANGES[scale]
        if not low <= score <= high:
            raise InvalidFeedback(f"score {score} is outside the {scale} scale {low}-{high}")
    return cast(Scale, scale), score


def _required_key(obj: Mapping[str, Any], name: str) -> str:
    value = obj.get(name)
    if value is None:
        raise InvalidFeedback(f"missing {name}")
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise InvalidFeedback(f"{name} must be a string, got {_json_type(value)}")
    value = value.strip()
    if not value:
        raise InvalidFeedback(f"missing {name}")
    if len(value) > MAX_ID_LENGTH:
        raise InvalidFeedback(f"{name} is longer than {MAX_ID_LENGTH} characters")
    return value


def _required_text(obj: Mapping[str, Any]) -> str:
    value = obj.get("text")
    if value is None:
        raise InvalidFeedback("missing text")
    if not isinstance(value, str):
        raise InvalidFeedback(f"text must be a string, got {_json_type(value)}")
    value = value.strip()
    if not value:
        raise InvalidFeedback("missing text")
    if len(value) > MAX_TEXT_LENGTH:
        raise InvalidFeedback(f"text is longer than {MAX_TEXT_LENGTH} characters")
    return value


def _optional_text(obj: Mapping[str, Any], name: str, label: str | None = None) -> str | None:
    value = obj.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidFeedback(f"{label or name} must be a string, got {_json_type(value)}")
    if len(value) > MAX_LABEL_LENGTH:
        # Stored, routed on and shown beside every highlight: a sender's megabyte here would be too.
        raise InvalidFeedback(f"{label or name} is longer than {MAX_LABEL_LENGTH} characters")
    return value.strip() or None


def _customer(value: object) -> tuple[str | None, str | None, str | None, dict[str, Any]]:
    if value is None:
        return None, None, None, {}
    if not isinstance(value, Mapping):
        raise InvalidFeedback(f"customer must be an object, got {_json_type(value)}")
    name = _optional_text(value, "name", "customer.name")
    email = _optional_text(value, "email", "customer.email")
    account = _optional_text(value, "account", "customer.account")
    extra = {k: v for k, v in value.items() if k not in _CUSTOMER_FIELDS}
    return name, email, account, extra


def _tags(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple):
        raise InvalidFeedback(f"tags must be a list of strings, got {_json_type(value)}")
    if len(value) > MAX_TAGS:
        raise InvalidFeedback(f"an item has at most {MAX_TAGS} tags, this one {len(value)}")
    tags: dict[str, None] = {}
    for tag in value:
        if not isinstance(tag, str):
            raise InvalidFeedback(f"tags must be a list of strings, found {_json_type(tag)}")
        stripped = tag.strip()
        if len(stripped) > MAX_ID_LENGTH:
            raise InvalidFeedback(f"a tag is longer than {MAX_ID_LENGTH} characters")
        if stripped:
            tags[stripped] = None
    return tuple(tags)


def _check_storable(value: object, path: str) -> None:
    """Refuse text no database can store: NUL characters and lone UTF-16 surrogates from JSON escapes."""
    if isinstance(value, str):
        if "\x00" in value:
            raise InvalidFeedback(f"{path or 'a field'} contains a NUL character")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidFeedback(f"{path or 'a field'} contains an invalid Unicode escape") from None
    elif isinstance(value, Mapping):
        for key, inner in value.items():
            name = f"{path}.{key}" if path else str(key)
            _check_storable(key, name)
            _check_storable(inner, name)
    elif isinstance(value, list | tuple):
        for index, inner in enumerate(value):
            _check_storable(inner, f"{path}[{index}]")


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list | tuple):
        return "an array"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__


def _clip(value: str, limit: int = 40) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"
