"""Answers kept apart from people: invitations know who, ballots know what, and nothing joins them.

- An invitation (run, person, hash of an opaque token, answered flag) says who was asked and whether
  they answered. A ballot (random id, run, value or comment, segment) says what was answered: no
  person, no invitation key, no token, no time. There is no column to join on.
- One answer per person per run is enforced by the invitation, not the ballot: in one transaction,
  `UPDATE invitation SET answered = true WHERE id = :id AND answered = false` must touch exactly one
  row, and only then is the ballot written. If it touches nothing, the answer is refused.
- That transaction leaves traces that join the two (PostgreSQL's xmin and dead tuples, heap and rowid
  order, commit times). So what it writes is a *sealed* pending ballot (sealing.py): ciphertext of one
  length under a key that lives outside the database. At close the sealed ballots are opened, their
  segment labels kept only where the segment's answers reach the threshold (`labelled_segments`),
  written to `pulse_ballot` in a shuffled batch by a transaction that touches no invitation, and the
  sealed rows deleted and scrubbed from the files (scrubbing.py). `pulse_ballot` is WITHOUT ROWID on
  SQLite, keyed by random ids, and results read it sorted by value.
- Results show only after close (views.py): a look at an open run and the final figure would differ by
  the few who answered in between. Across runs, overlap.py hides results whose audiences differ by a few.
- The action button's value carries only the opaque invitation token; its SHA-256 is what is stored,
  so a database reader cannot answer for anyone, and a token in a log line names no run.
- Answers are final: changing an answer would need a link from invitation to ballot.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from typing import TypeVar

_TOKEN_BYTES = 32
T = TypeVar("T")


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


def labelled_segments(answer_segments: Iterable[str | None], threshold: int) -> frozenset[str]:
    """The segments whose answers (not audience) reach the threshold and keep their label on their ballots.

    The unlabelled ballots are a group too (the total less every labelled segment, and a reader of the
    invitations knows who answered outside those segments), so while they are fewer than the threshold the
    smallest labelled segment gives up its label as well.
    """
    counts: dict[str | None, int] = {}
    for segment in answer_segments:
        counts[segment] = counts.get(segment, 0) + 1
    kept = {segment: count for segment, count in counts.items() if segment is not None and count >= threshold}
    unlabelled = sum(counts.values()) - sum(kept.values())
    while kept and 0 < unlabelled < threshold:
        smallest = min(kept, key=lambda segment: (kept[segment], segment))
        unlabelled += kept.pop(smallest)
    return frozenset(kept)
