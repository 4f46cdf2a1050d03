"""Answers kept apart from people: invitations know who, ballots know what, and nothing joins them.

- An `Invitation` (run, person, hash of an opaque token, answered flag) says who was asked and whether
  they answered. A `Ballot` (random id, run, value, comment, date) says what was answered. A ballot has
  no person, no invitation key and no token: there is no column to join on.
- One answer per person per run is enforced by the invitation, not the ballot: in one transaction,
  `UPDATE invitation SET answered = true WHERE token_hash = :h AND answered = false` must touch exactly
  one row, and only then is the ballot inserted. If the update touches nothing, the answer is refused
  (already answered, closed, or unknown: the same reply, so nothing is revealed).
- Timestamps are a join path too (invitation answered at 09:14:03, ballot created at 09:14:03), so a
  ballot keeps only the date (`coarse_date`), and the invitation keeps no answered-at time. A ballot's
  primary key is a random UUID, not an autoincrement, so row ids do not give the order of answers; the
  storage order of rows is not an interface, and results read ballots sorted by value.
- The action button's value carries only the opaque invitation token; its SHA-256 is what is stored,
  so a database reader cannot forge answers from the table, and a token in a log line names no run.
- A ballot's segment (team or channel, for cuts) is recorded only when that segment's audience is at
  least the threshold (`ballot_segment`), so a segment of one or two cannot label its ballots.
- Physical traces join too. In PostgreSQL every row records the transaction that wrote it (`xmin`),
  so the flipped invitation and the new ballot share one; and heap order (`ctid`), like SQLite's
  `rowid`, follows insertion order. So a freshly written ballot is a pending one: a mixing step
  (periodically and at close at the latest) moves pending ballots into the ballot table in one
  transaction, in `shuffled_for_storage` order, and deletes them from the pending table. After it, no
  ballot shares a transaction with an invitation and storage order says nothing about answer order.
  On SQLite a `WITHOUT ROWID` table keyed by the random id stores ballots in key order.
- Answers are final: changing an answer would need a per-run secret linking invitation to ballot,
  which would be destroyed at close; we avoid the link altogether.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TypeVar

from bot.features.pulse.questions import AnswerValue

_TOKEN_BYTES = 32
T = TypeVar("T")


@dataclass(frozen=True)
class Invitation:
    """Who was asked in a run, and whether they have answered; nothing about what."""

    run_id: str
    person: str
    token_hash: str
    answered: bool = False


@dataclass(frozen=True)
class Ballot:
    """What was answered in a run; nothing about who, or when beyond the day."""

    run_id: str
    value: AnswerValue
    comment: str | None
    answered_on: date
    segment: str | None = None
    id: str = field(default_factory=lambda: str(uuid.uuid4()))


def new_invitation_token() -> tuple[str, str]:
    """A fresh opaque token for the answer buttons, and the hash to store instead of it."""
    token = secrets.token_urlsafe(_TOKEN_BYTES)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    """The stored form of an invitation token (SHA-256, hex)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def shuffled_for_storage(items: Iterable[T]) -> list[T]:
    """The items in an order from the system's secure random source, for writing ballots in a batch."""
    mixed = list(items)
    secrets.SystemRandom().shuffle(mixed)
    return mixed


def coarse_date(moment: datetime) -> date:
    """The UTC day of an aware moment: all the time a ballot keeps."""
    if moment.tzinfo is None:
        raise ValueError("coarse_date needs a timezone-aware datetime")
    return moment.astimezone(UTC).date()


def ballot_segment(segment: str | None, segment_audience: int, threshold: int) -> str | None:
    """The segment to record on a ballot: None (pooled) when the segment's audience is below the threshold."""
    if segment is None or segment_audience < threshold:
        return None
    return segment


def new_ballot(
    run_id: str,
    value: AnswerValue,
    comment: str | None,
    answered_at: datetime,
    segment: str | None = None,
) -> Ballot:
    """A ballot with a random id and only the day of `answered_at`."""
    return Ballot(
        run_id=run_id, value=value, comment=comment, answered_on=coarse_date(answered_at), segment=segment
    )
