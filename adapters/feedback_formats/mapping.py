"""Column mappings of CSV imports: which column of an export holds which field of a feedback item."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence

FIELDS: tuple[str, ...] = (
    "id",
    "source",
    "received_at",
    "scale",
    "score",
    "text",
    "name",
    "email",
    "account",
    "product",
    "tags",
)
# Other spellings people use for our own fields, in `--map` and as column headers.
_ALIASES: Mapping[str, str] = {
    "customer_name": "name",
    "customer.name": "name",
    "customer_email": "email",
    "customer.email": "email",
    "customer_account": "account",
    "customer.account": "account",
    "company": "account",
    "comment": "text",
    "date": "received_at",
    "tag": "tags",
    # What survey tools call them in their exports (Typeform's "Date Submitted" and "Response ID").
    "date_submitted": "received_at",
    "submitted_at": "received_at",
    "submitted": "received_at",
    "created_at": "received_at",
    "timestamp": "received_at",
    "response_date": "received_at",
    "response_id": "id",
    "submission_id": "id",
    "respondent_id": "id",
    "feedback_id": "id",
}
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
# Headers that name a score without saying "score": a survey tool's "NPS" or "CSAT" column, a "Rating", or the
# NPS question itself ("How likely are you to recommend us?"). Without a "score" column one of them is the score;
# left unread, a whole file's scores would be dropped without a word.
_SCORE_HEADER = re.compile(
    r"^(?:(?:nps|csat|ces|stars?)(?: (?:score|rating))?|rating|star rating)$|recommend"
)


class InvalidMapping(ValueError):
    """A column mapping that cannot be used; `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def field_name(name: str) -> str | None:
    """Our field called `name` (in any of its spellings), or None."""
    key = normalise_header(name).replace(" ", "_")
    key = _ALIASES.get(key, key)
    return key if key in FIELDS else None


def normalise_header(header: str) -> str:
    """A header as compared: NFKC, no invisible characters, single spaces, case folded."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", header))
    return " ".join(text.split()).casefold()


def parse_mapping(spec: str) -> dict[str, str]:
    """`text=Comment,score=NPS` as {"text": "Comment", "score": "NPS"}; InvalidMapping on bad input."""
    mapping: dict[str, str] = {}
    for part in spec.split(","):
        if not part.strip():
            continue
        field, sep, column = part.partition("=")
        if not sep:
            raise InvalidMapping(f"{part.strip()!r} should look like field=Column")
        our = field_name(field)
        if our is None:
            raise InvalidMapping(f"unknown field {field.strip()!r}; fields are {', '.join(FIELDS)}")
        if not column.strip():
            raise InvalidMapping(f"field {our} has no column name")
        if our in mapping:
            raise InvalidMapping(f"field {our} is mapped twice")
        mapping[our] = column.strip()
    if not mapping:
        raise InvalidMapping("the mapping is empty; give it like text=Comment,score=NPS")
    return mapping


def resolve_columns(header: Sequence[str], mapping: Mapping[str, str]) -> dict[str, int]:
    """Field -> column index: the mapping first, then headers that already use our names."""
    positions = {normalise_header(column): index for index, column in reversed(list(enumerate(header)))}
    resolved: dict[str, int] = {}
    for field, column in mapping.items():
        our = field_name(field)
        if our is None:
            raise InvalidMapping(f"unknown field {field!r}; fields are {', '.join(FIELDS)}")
        index = positions.get(normalise_header(column))
        if index is None:
            shown = ", ".join(repr(h) for h in header[:20])
            raise InvalidMapping(f"column {column!r} is not in the file; its columns are {shown}")
        resolved[our] = index
    taken = set(resolved.values())
    for index, column in enumerate(header):
        our = field_name(column)
        if our is not None and our not in resolved and index not in taken:
            resolved[our] = index
            taken.add(index)
    if "score" not in resolved:
        scores = [
            i
            for i, column in enumerate(header)
            if i not in taken and _SCORE_HEADER.search(normalise_header(column))
        ]
        if len(scores) > 1:
            shown = ", ".join(repr(header[i]) for i in scores)
            raise InvalidMapping(f"columns {shown} could each be the score: map one with score=COLUMN")
        if scores:
            resolved["score"] = scores[0]
    if "text" not in resolved:
        shown = ", ".join(repr(h) for h in header[:20])
        raise InvalidMapping(f"no text column among {shown}: map one with text=COLUMN")
    return resolved
