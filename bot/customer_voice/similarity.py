"""Near-duplicates: a new item that says what a recent one said is counted onto it, not posted again."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import numpy.typing as npt

from bot.customer_voice.fingerprint import (
    SKETCH_BITS,
    Fingerprint,
    fingerprint,
    fingerprints,
    normalise,
    shingles,
)

__all__ = [
    "DUPLICATE_THRESHOLD",
    "DUPLICATE_WINDOW_DAYS",
    "Fingerprint",
    "NearDuplicate",
    "NearDuplicateIndex",
    "find_near_duplicate",
    "fingerprint",
    "fingerprints",
    "jaccard",
    "normalise",
    "shingles",
    "similar_note",
]

DUPLICATE_THRESHOLD = 0.5
DUPLICATE_WINDOW_DAYS = 7


@dataclass(frozen=True, slots=True)
class NearDuplicate:
    """The recent item a new one repeats, and how alike they are (Jaccard, 0-1)."""

    id: str
    similarity: float


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """|a ∩ b| / |a ∪ b|, 0 for two empty sets."""
    if not a or not b:
        return 0.0
    common = len(a & b)
    return common / (len(a) + len(b) - common)


class NearDuplicateIndex:
    """Recent items, so a new one can be checked against them quickly.

    Small indexes are scanned exactly. Past `exact_limit` items, MinHash locality-sensitive hashing
    (25 bands of 3) picks the candidates, which are then checked exactly: a pair 0.5 alike is found
    with probability 0.96, 0.6 alike 0.996, while unrelated items are rarely even compared. Before the
    exact check, each candidate's sketch bounds how alike it can be, and most are dropped on that.
    """

    def __init__(self, threshold: float = DUPLICATE_THRESHOLD, exact_limit: int = 256) -> None:
        self.threshold = threshold
        self.exact_limit = exact_limit
        self._codes: dict[str, bytes] = {}  # each item's shingle codes (Fingerprint.codes)
        self._sketches = _Sketches()
        self._order: dict[str, int] = {}
        self._added_at: dict[str, datetime | None] = {}
        self._band_keys: dict[str, tuple[bytes, ...]] = {}
        # A bucket holds one item id as it is, more in a tuple: the garbage collector stops visiting a tuple
        # of strings, where tens of thousands of lists would make every full collection slower.
        self._buckets: dict[bytes, str | tuple[str, ...]] = {}
        # find() then add() of the same new text is the common path: fingerprint it once.
        self._last: tuple[str, Fingerprint] | None = None

    def __len__(self) -> int:
        return len(self._codes)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._codes

    def add(self, item_id: str, text: str | Fingerprint, at: datetime | None = None) -> None:
        """Index an item that later items may repeat; adding an id again does nothing."""
        if item_id in self._codes:
            return
        mark = self._fingerprint(text)
        self._codes[item_id] = mark.codes
        self._sketches.add(item_id, mark)
        self._order[item_id] = len(self._order)
        self._added_at[item_id] = at
        self._band_keys[item_id] = mark.keys
        buckets = self._buckets
        for key in mark.keys:
            held = buckets.get(key)
            if held is None:
                buckets[key] = item_id
            elif isinstance(held, str):
                buckets[key] = (held, item_id)
            else:
                buckets[key] = (*held, item_id)

    def remove(self, item_id: str) -> None:
        """Forget an item (it left the window or was deleted); unknown ids are ignored."""
        if self._codes.pop(item_id, None) is None:
            return
        self._sketches.remove(item_id)
        self._order.pop(item_id, None)
        self._added_at.pop(item_id, None)
        buckets = self._buckets
        for key in self._band_keys.pop(item_id, ()):
            held = buckets[key]
            if isinstance(held, str):
                del buckets[key]
                continue
            rest = tuple(i for i in held if i != item_id)
            buckets[key] = rest[0] if len(rest) == 1 else rest

    def prune(self, before: datetime) -> int:
        """Forget items added with a time earlier than `before`; returns how many were forgotten."""
        old = [i for i, at in self._added_at.items() if at is not None and at < before]
        for item_id in old:
            self.remove(item_id)
        return len(old)

    def find(self, text: str | Fingerprint) -> NearDuplicate | None:
        """The indexed item most like the text, if at least `threshold` alike; ties go to the earliest."""
        mark = self._fingerprint(text)
        size = mark.size
        if not size:
            return None
        mine = mark.shingle_codes()
        best: NearDuplicate | None = None
        # The candidates the sketches leave, in candidate order.
        for item_id in self._likely(mark, list(self._candidates(mark))):
            theirs = np.frombuffer(self._codes[item_id], dtype=np.uint64)
            shared = _shared(mine, theirs)
            similarity = shared / (size + len(theirs) - shared)
            if similarity < self.threshold:
                continue
            if (
                best is None
                or similarity > best.similarity
                or (similarity == best.similarity and self._order[item_id] < self._order[best.id])
            ):
                best = NearDuplicate(item_id, round(similarity, 4))
        return best

    def _likely(self, mark: Fingerprint, candidates: list[str]) -> list[str]:
        """The candidates, in order, whose sketches leave them able to reach the threshold."""
        if not candidates:
            return candidates
        bound = self._sketches.bounds(mark, candidates)
        return [candidates[k] for k in np.flatnonzero(bound >= self.threshold).tolist()]

    def _fingerprint(self, text: str | Fingerprint) -> Fingerprint:
        if isinstance(text, Fingerprint):
            return text
        if self._last is not None and self._last[0] == text:
            return self._last[1]
        mark = fingerprint(text)
        self._last = (text, mark)
        return mark

    def _candidates(self, mark: Fingerprint) -> Iterable[str]:
        if len(self._codes) <= self.exact_limit:
            return self._codes.keys()
        found: set[str] = set()
        buckets = self._buckets
        for key in mark.keys:
            held = buckets.get(key)
            if held is None:
                continue
            if isinstance(held, str):
                found.add(held)
            else:
                found.update(held)
        return found


def _shared(mine: npt.NDArray[np.uint64], theirs: npt.NDArray[np.uint64]) -> int:
    """How many codes two ascending arrays of distinct codes have in common."""
    if not len(theirs):
        return 0
    at = np.minimum(np.searchsorted(theirs, mine), len(theirs) - 1)
    return int(np.count_nonzero(theirs[at] == mine))


class _Sketches:
    """The indexed items' sketches, one row each, to bound a new text's similarity to many at once."""

    def __init__(self) -> None:
        self._rows: dict[str, int] = {}
        self._free: list[int] = []
        self._bits = np.zeros((256, SKETCH_BITS // 64), dtype=np.uint64)
        self._sizes = np.zeros(256, dtype=np.int64)  # shingles per row
        self._set = np.zeros(256, dtype=np.int64)  # bits set per row

    def add(self, item_id: str, mark: Fingerprint) -> None:
        """Keep an item's sketch."""
        row = self._free.pop() if self._free else len(self._rows)
        if row == len(self._sizes):
            self._bits = np.concatenate([self._bits, np.zeros_like(self._bits)])
            self._sizes = np.concatenate([self._sizes, np.zeros_like(self._sizes)])
            self._set = np.concatenate([self._set, np.zeros_like(self._set)])
        self._rows[item_id] = row
        self._bits[row] = np.frombuffer(mark.sketch, dtype=np.uint64)
        self._sizes[row] = mark.size
        self._set[row] = int.from_bytes(mark.sketch).bit_count()

    def remove(self, item_id: str) -> None:
        """Forget an item's sketch (its row is reused)."""
        row = self._rows.pop(item_id, None)
        if row is not None:
            self._free.append(row)

    def bounds(self, mark: Fingerprint, item_ids: list[str]) -> npt.NDArray[np.float64]:
        """For each item, the highest similarity to `mark` its sketch allows.

        A bit one text has and the other lacks stands for at least one shingle the other lacks, so a text
        shares at most its shingle count less those bits; similarity grows with the shingles shared.
        """
        rows = np.fromiter(map(self._rows.__getitem__, item_ids), dtype=np.intp, count=len(item_ids))
        mine = np.frombuffer(mark.sketch, dtype=np.uint64)
        size, sizes = mark.size, self._sizes[rows]
        both = np.bitwise_count(self._bits[rows] & mine).sum(axis=1, dtype=np.int64)
        mine_only = int.from_bytes(mark.sketch).bit_count() - both
        theirs_only = self._set[rows] - both
        shared = np.minimum(size - mine_only, sizes - theirs_only)
        bound: npt.NDArray[np.float64] = shared / (size + sizes - shared)
        return bound


def find_near_duplicate(
    text: str,
    recents: Iterable[tuple[str, str]],
    threshold: float = DUPLICATE_THRESHOLD,
) -> NearDuplicate | None:
    """The recent (id, text), oldest first, that `text` nearly repeats; pass only originals of the window."""
    index = NearDuplicateIndex(threshold)
    for item_id, recent_text in recents:
        index.add(item_id, recent_text)
    return index.find(text)


def similar_note(count: int, period: str = "this week") -> str:
    """The line under a highlight that others repeated: "and 11 similar this week"."""
    return f"and {count} similar {period}" if count > 0 else ""
