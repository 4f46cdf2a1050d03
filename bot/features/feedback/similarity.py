"""Near-duplicates: a new item that says what a recent one said is counted onto it, not posted again."""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

import numpy as np

from bot.features.feedback.terms import STOPWORDS

DUPLICATE_THRESHOLD = 0.5
DUPLICATE_WINDOW_DAYS = 7
_SHINGLE = 4
_BANDS, _ROWS = 25, 3
_NON_WORD = re.compile(r"[^\w]+")


@dataclass(frozen=True, slots=True)
class NearDuplicate:
    """The recent item a new one repeats, and how alike they are (Jaccard, 0-1)."""

    id: str
    similarity: float


def normalise(text: str) -> str:
    """Text as compared: NFKC, case folded, punctuation and stopwords dropped, single spaces."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    words = [w for w in _NON_WORD.sub(" ", folded).split() if w not in STOPWORDS and w != "_"]
    return " ".join(words)


def shingles(text: str) -> frozenset[str]:
    """Character 4-grams of the normalised text (robust to typos, word order and small additions)."""
    norm = normalise(text)
    if len(norm) <= _SHINGLE:
        return frozenset({norm}) if norm else frozenset()
    return frozenset(norm[i : i + _SHINGLE] for i in range(len(norm) - _SHINGLE + 1))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """|a ∩ b| / |a ∪ b|, 0 for two empty sets."""
    if not a or not b:
        return 0.0
    common = len(a & b)
    return common / (len(a) + len(b) - common)


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """A text as the index compares it: its shingles and their MinHash band keys."""

    grams: frozenset[str]
    keys: tuple[bytes, ...]


def fingerprint(text: str) -> Fingerprint:
    """The text's shingles and band keys; the same in every process (the hashes are seeded)."""
    grams = shingles(text)
    return Fingerprint(grams, tuple(_hasher().band_keys(grams)))


class NearDuplicateIndex:
    """Recent items, so a new one can be checked against them quickly.

    Small indexes are scanned exactly. Past `exact_limit` items, MinHash locality-sensitive hashing
    (25 bands of 3) picks the candidates, which are then checked exactly: a pair 0.5 alike is found
    with probability 0.96, 0.6 alike 0.996, while unrelated items are rarely even compared.
    """

    def __init__(self, threshold: float = DUPLICATE_THRESHOLD, exact_limit: int = 256) -> None:
        self.threshold = threshold
        self.exact_limit = exact_limit
        self._shingles: dict[str, frozenset[str]] = {}
        self._order: dict[str, int] = {}
        self._added_at: dict[str, datetime | None] = {}
        self._band_keys: dict[str, tuple[bytes, ...]] = {}
        self._buckets: dict[bytes, list[str]] = defaultdict(list)
        # find() then add() of the same new text is the common path: fingerprint it once.
        self._last: tuple[str, Fingerprint] | None = None

    def __len__(self) -> int:
        return len(self._shingles)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._shingles

    def add(self, item_id: str, text: str | Fingerprint, at: datetime | None = None) -> None:
        """Index an item that later items may repeat; adding an id again does nothing."""
        if item_id in self._shingles:
            return
        mark = self._fingerprint(text)
        self._shingles[item_id] = mark.grams
        self._order[item_id] = len(self._order)
        self._added_at[item_id] = at
        self._band_keys[item_id] = mark.keys
        for key in mark.keys:
            self._buckets[key].append(item_id)

    def remove(self, item_id: str) -> None:
        """Forget an item (it left the window or was deleted); unknown ids are ignored."""
        if self._shingles.pop(item_id, None) is None:
            return
        self._order.pop(item_id, None)
        self._added_at.pop(item_id, None)
        for key in self._band_keys.pop(item_id, ()):
            bucket = self._buckets[key]
            bucket.remove(item_id)
            if not bucket:
                del self._buckets[key]

    def prune(self, before: datetime) -> int:
        """Forget items added with a time earlier than `before`; returns how many were forgotten."""
        old = [i for i, at in self._added_at.items() if at is not None and at < before]
        for item_id in old:
            self.remove(item_id)
        return len(old)

    def find(self, text: str | Fingerprint) -> NearDuplicate | None:
        """The indexed item most like the text, if at least `threshold` alike; ties go to the earliest."""
        mark = self._fingerprint(text)
        grams = mark.grams
        if not grams:
            return None
        best: NearDuplicate | None = None
        for item_id in self._candidates(mark):
            other = self._shingles[item_id]
            common = len(grams & other)
            similarity = common / (len(grams) + len(other) - common)
            if similarity < self.threshold:
                continue
            if (
                best is None
                or similarity > best.similarity
                or (similarity == best.similarity and self._order[item_id] < self._order[best.id])
            ):
                best = NearDuplicate(item_id, round(similarity, 4))
        return best

    def _fingerprint(self, text: str | Fingerprint) -> Fingerprint:
        if isinstance(text, Fingerprint):
            return text
        if self._last is not None and self._last[0] == text:
            return self._last[1]
        mark = fingerprint(text)
        self._last = (text, mark)
        return mark

    def _candidates(self, mark: Fingerprint) -> Iterable[str]:
        if len(self._shingles) <= self.exact_limit:
            return self._shingles.keys()
        found: set[str] = set()
        for key in mark.keys:
            found.update(self._buckets.get(key, ()))
        return found


class _MinHasher:
    """MinHash signatures cut into bands; seeded, so the same text always lands in the same buckets."""

    def __init__(self, bands: int = _BANDS, rows: int = _ROWS, seed: int = 20261125) -> None:
        random = np.random.default_rng(seed)
        count = bands * rows
        self._a = random.integers(1, 2**63, size=count, dtype=np.uint64) | np.uint64(1)
        self._b = random.integers(0, 2**63, size=count, dtype=np.uint64)
        self._bands, self._rows = bands, rows

    def band_keys(self, grams: frozenset[str]) -> list[bytes]:
        """One bucket key per band of the grams' MinHash signature."""
        if not grams:
            return []
        hashes = np.array([zlib.crc32(g.encode("utf-8")) for g in grams], dtype=np.uint64)
        # Multiply-shift hashing: arithmetic wraps modulo 2**64 by design; the top 32 bits are the hash.
        mixed = (self._a[:, None] * hashes[None, :] + self._b[:, None]) >> np.uint64(32)
        signature = mixed.min(axis=1).astype(np.uint32)
        rows = self._rows
        return [
            bytes([band]) + signature[band * rows : (band + 1) * rows].tobytes()
            for band in range(self._bands)
        ]


@lru_cache(maxsize=1)
def _hasher() -> _MinHasher:
    """One seeded hasher per process: its random coefficients take a moment to draw."""
    return _MinHasher()


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
