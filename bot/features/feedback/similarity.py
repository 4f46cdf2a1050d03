"""Near-duplicates: a new item that says what a recent one said is counted onto it, not posted again."""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from bot.features.feedback.terms import STOPWORDS

DUPLICATE_THRESHOLD = 0.5
DUPLICATE_WINDOW_DAYS = 7
_SHINGLE = 4
_BANDS, _ROWS = 25, 3
_CHUNK = 4096  # grams hashed per array operation
_SKETCH_BITS = 1024  # a multiple of 64
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
    return _grams(normalise(text))


def _grams(norm: str) -> frozenset[str]:
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
    """A text as the index compares it: its shingles, their MinHash band keys, and a sketch of them.

    The sketch sets bit `hash % 1024` for each shingle. Each bit one text has and the other lacks stands
    for at least one shingle the other lacks, which bounds how many shingles they can share.
    """

    grams: frozenset[str]
    keys: tuple[bytes, ...]
    sketch: bytes


def fingerprint(text: str) -> Fingerprint:
    """The text's shingles and band keys; the same in every process (the hashes are seeded)."""
    return fingerprints([text])[0]


def fingerprints(texts: Sequence[str]) -> list[Fingerprint]:
    """Each text's fingerprint, hashed together: a batch costs a few array operations, not a few per text."""
    norms = [normalise(text) for text in texts]
    grams = [_grams(norm) for norm in norms]
    hashes, sizes = _gram_hashes(norms, grams)
    keys = _hasher().band_keys(hashes, sizes)
    return [Fingerprint(g, k, s) for g, k, s in zip(grams, keys, _sketches(hashes, sizes), strict=True)]


def _sketches(hashes: _Hashes, sizes: npt.NDArray[np.int64]) -> list[bytes]:
    """Each text's sketch: bit `hash % 1024` set for each of its gram hashes."""
    bits = np.zeros((len(sizes), _SKETCH_BITS), dtype=np.bool_)
    bits[np.repeat(np.arange(len(sizes)), sizes), hashes % _SKETCH_BITS] = True
    raw, width = np.packbits(bits, axis=1).tobytes(), _SKETCH_BITS // 8
    return [raw[o : o + width] for o in range(0, len(raw), width)]


def _gram_hashes(norms: list[str], grams: list[frozenset[str]]) -> tuple[_Hashes, npt.NDArray[np.int64]]:
    """Every text's gram hashes (CRC-32 of the UTF-8 gram) one text after another, and how many each has.

    An ASCII text's grams are the 4-byte windows of its bytes, hashed in one array operation for the batch;
    a window that repeats is hashed twice, which changes no minimum. Other texts hash gram by gram.
    """
    windowed = [n for n, norm in enumerate(norms) if len(norm) > _SHINGLE and norm.isascii()]
    hashed = dict(zip(windowed, _CRC4.windows([norms[n] for n in windowed]), strict=True))
    parts = [
        hashed[n] if n in hashed else np.array([zlib.crc32(g.encode("utf-8")) for g in text_grams], np.uint64)
        for n, text_grams in enumerate(grams)
    ]
    sizes = np.fromiter(map(len, parts), dtype=np.int64, count=len(parts))
    return np.concatenate([np.zeros(0, dtype=np.uint64), *parts]), sizes


class NearDuplicateIndex:
    """Recent items, so a new one can be checked against them quickly.

    Small indexes are scanned exactly. Past `exact_limit` items, MinHash locality-sensitive hashing
    (25 bands of 3) picks the candidates, which are then checked exactly: a pair 0.5 alike is found
    with probability 0.96, 0.6 alike 0.996, while unrelated items are rarely even compared.
    """

    def __init__(self, threshold: float = DUPLICATE_THRESHOLD, exact_limit: int = 256) -> None:
        self.threshold = threshold
        self.exact_limit = exact_limit
        self._grams = _GramIds()
        self._ids: dict[str, _Ids] = {}  # each item's shingles, as ids of `_grams`
        self._sketches = _Sketches()
        self._order: dict[str, int] = {}
        self._added_at: dict[str, datetime | None] = {}
        self._band_keys: dict[str, tuple[bytes, ...]] = {}
        # A bucket holds one item id as it is, more in a tuple: the garbage collector stops visiting a tuple
        # of strings, where tens of thousands of lists would make every full collection slower.
        self._buckets: dict[bytes, str | tuple[str, ...]] = {}
        # find() then add() of the same new text is the common path: fingerprint it and look up its ids once.
        self._last: tuple[str, Fingerprint] | None = None
        self._last_ids: tuple[Fingerprint, _Ids] | None = None

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._ids

    def add(self, item_id: str, text: str | Fingerprint, at: datetime | None = None) -> None:
        """Index an item that later items may repeat; adding an id again does nothing."""
        if item_id in self._ids:
            return
        mark = self._fingerprint(text)
        self._ids[item_id] = self._gram_ids(mark)
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
        if self._ids.pop(item_id, None) is None:
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
        if self._grams.wasteful():
            self._ids = self._grams.compact(self._ids)
            self._last_ids = None

    def prune(self, before: datetime) -> int:
        """Forget items added with a time earlier than `before`; returns how many were forgotten."""
        old = [i for i, at in self._added_at.items() if at is not None and at < before]
        for item_id in old:
            self.remove(item_id)
        return len(old)

    def find(self, text: str | Fingerprint) -> NearDuplicate | None:
        """The indexed item most like the text, if at least `threshold` alike; ties go to the earliest."""
        mark = self._fingerprint(text)
        size = len(mark.grams)
        if not size:
            return None
        candidates = self._likely(mark, list(self._candidates(mark)))
        if not candidates:
            return None
        common, sizes = self._grams.overlaps(self._gram_ids(mark), [self._ids[c] for c in candidates])
        similarities = common / (size + sizes - common)
        best: NearDuplicate | None = None
        # Only the few candidates past the threshold are compared one by one, in candidate order.
        for position in np.flatnonzero(similarities >= self.threshold).tolist():
            item_id = candidates[position]
            shared = int(common[position])
            similarity = shared / (size + int(sizes[position]) - shared)
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

    def _gram_ids(self, mark: Fingerprint) -> _Ids:
        if self._last_ids is not None and self._last_ids[0] is mark:
            return self._last_ids[1]
        ids = self._grams.ids(mark.grams)
        self._last_ids = (mark, ids)
        return ids

    def _candidates(self, mark: Fingerprint) -> Iterable[str]:
        if len(self._ids) <= self.exact_limit:
            return self._ids.keys()
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


_Ids = npt.NDArray[np.int32]
_Hashes = npt.NDArray[np.uint64]


class _Sketches:
    """The indexed items' sketches, one row each, to bound a new text's similarity to many at once."""

    def __init__(self) -> None:
        self._rows: dict[str, int] = {}
        self._free: list[int] = []
        self._bits = np.zeros((256, _SKETCH_BITS // 64), dtype=np.uint64)
        self._grams = np.zeros(256, dtype=np.int64)  # shingles per row
        self._set = np.zeros(256, dtype=np.int64)  # bits set per row

    def add(self, item_id: str, mark: Fingerprint) -> None:
        """Keep an item's sketch."""
        row = self._free.pop() if self._free else len(self._rows)
        if row == len(self._grams):
            self._bits = np.concatenate([self._bits, np.zeros_like(self._bits)])
            self._grams = np.concatenate([self._grams, np.zeros_like(self._grams)])
            self._set = np.concatenate([self._set, np.zeros_like(self._set)])
        self._rows[item_id] = row
        self._bits[row] = np.frombuffer(mark.sketch, dtype=np.uint64)
        self._grams[row] = len(mark.grams)
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
        size, sizes = len(mark.grams), self._grams[rows]
        both = np.bitwise_count(self._bits[rows] & mine).sum(axis=1, dtype=np.int64)
        mine_only = int.from_bytes(mark.sketch).bit_count() - both
        theirs_only = self._set[rows] - both
        shared = np.minimum(size - mine_only, sizes - theirs_only)
        bound: npt.NDArray[np.float64] = shared / (size + sizes - shared)
        return bound


class _GramIds:
    """Shingles numbered, so an index compares one text with many candidates in a few array operations."""

    def __init__(self) -> None:
        self._number: dict[str, int] = {}
        self._grams: list[str] = []
        self._marked = np.zeros(1024, dtype=np.bool_)
        self._kept = 0  # grams numbered at the last compaction

    def ids(self, grams: frozenset[str]) -> _Ids:
        """The grams' ids, numbering the ones not seen before."""
        number = self._number
        found = [number.get(g) for g in grams]
        if None in found:
            for position, (gram, known) in enumerate(zip(grams, found, strict=True)):
                if known is None:
                    found[position] = number[gram] = len(self._grams)
                    self._grams.append(gram)
            if len(self._grams) > len(self._marked):
                self._marked = np.zeros(2 * len(self._grams), dtype=np.bool_)
        return np.array(found, dtype=np.int32)

    def overlaps(self, ids: _Ids, others: list[_Ids]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """How many of `ids` each of `others` holds, and the size of each of `others`."""
        sizes = np.fromiter(map(len, others), dtype=np.int64, count=len(others))
        ends = np.cumsum(sizes)
        marked = self._marked
        marked[ids] = True
        hits = np.concatenate(([0], np.cumsum(marked[np.concatenate(others)], dtype=np.int64)))
        marked[ids] = False
        return hits[ends] - hits[ends - sizes], sizes

    def wasteful(self) -> bool:
        """Whether the numbering has more than doubled since it last held only indexed items' grams."""
        return len(self._grams) > 2 * self._kept + 65_536

    def compact(self, items: dict[str, _Ids]) -> dict[str, _Ids]:
        """Renumber only the grams still held; returns the items' ids under the new numbering."""
        held = np.unique(np.concatenate([np.zeros(0, dtype=np.int32), *items.values()]))
        renumber = np.full(len(self._grams), -1, dtype=np.int32)
        renumber[held] = np.arange(len(held), dtype=np.int32)
        self._grams = [self._grams[i] for i in held.tolist()]
        self._number = {g: i for i, g in enumerate(self._grams)}
        self._marked = np.zeros(max(1024, 2 * len(self._grams)), dtype=np.bool_)
        self._kept = len(self._grams)
        return {item_id: renumber[ids] for item_id, ids in items.items()}


class _MinHasher:
    """MinHash signatures cut into bands; seeded, so the same text always lands in the same buckets."""

    def __init__(self, bands: int = _BANDS, rows: int = _ROWS, seed: int = 20261125) -> None:
        random = np.random.default_rng(seed)
        count = bands * rows
        self._a = random.integers(1, 2**63, size=count, dtype=np.uint64) | np.uint64(1)
        self._b = random.integers(0, 2**63, size=count, dtype=np.uint64)
        self._bands, self._rows = bands, rows

    def band_keys(self, hashes: _Hashes, sizes: npt.NDArray[np.int64]) -> list[tuple[bytes, ...]]:
        """Each text's bucket keys, one per band of the MinHash signature of its gram hashes (none without).

        `hashes` holds every text's gram hashes one text after another, `sizes` how many each text has.
        """
        count = len(sizes)
        signatures = np.empty((count, len(self._a)), dtype=np.uint32)
        ends = np.cumsum(sizes)
        starts = ends - sizes
        filled = np.flatnonzero(sizes)  # texts without grams have no signature
        filled_ends = ends[filled]
        first = 0
        while first < len(filled):
            # A few thousand grams at a time keeps the (permutations x grams) products small, in cache.
            begin = int(starts[filled[first]])
            last = max(first + 1, int(np.searchsorted(filled_ends, begin + _CHUNK, side="right")))
            chunk = filled[first:last]
            # Multiply-shift hashing: arithmetic wraps modulo 2**64 by design; the top 32 bits are the hash.
            mixed = np.multiply.outer(self._a, hashes[begin : int(ends[chunk[-1]])])
            mixed += self._b[:, None]
            mixed >>= np.uint64(32)
            signatures[chunk] = np.minimum.reduceat(mixed, starts[chunk] - begin, axis=1).T
            first = last
        # Each key is the band's number then its rows' hashes, as bytes.
        rows, bands = self._rows, self._bands
        keys = np.empty((count, bands, 1 + 4 * rows), dtype=np.uint8)
        keys[:, :, 0] = np.arange(bands, dtype=np.uint8)
        keys[:, :, 1:] = signatures.reshape(count, bands, rows).view(np.uint8).reshape(count, bands, 4 * rows)
        raw, width = keys.tobytes(), 1 + 4 * rows
        span = bands * width
        return [
            tuple(raw[o : o + width] for o in range(n * span, (n + 1) * span, width)) if size else ()
            for n, size in enumerate(sizes.tolist())
        ]


class _Crc4:
    """CRC-32 (zlib's) of every 4-byte window of ASCII texts, with tables: CRC is linear in the bytes, so a
    window's CRC is the XOR of one table entry per byte position and the CRC of four zero bytes."""

    def __init__(self) -> None:
        zero = zlib.crc32(bytes(4))
        self._tables = [
            np.array(
                [zlib.crc32(bytes(4)[:k] + bytes([v]) + bytes(3 - k)) ^ zero for v in range(256)], np.uint32
            )
            for k in range(4)
        ]
        self._zero = np.uint32(zero)

    def windows(self, texts: list[str]) -> list[_Hashes]:
        """For each ASCII text longer than four characters, the CRC-32 of each of its 4-byte windows."""
        if not texts:
            return []
        raw = np.frombuffer("".join(texts).encode("ascii"), dtype=np.uint8)
        t0, t1, t2, t3 = self._tables
        crc = t0[raw[:-3]] ^ t1[raw[1:-2]] ^ t2[raw[2:-1]] ^ t3[raw[3:]] ^ self._zero
        hashes = crc.astype(np.uint64)
        found, start = [], 0
        for text in texts:
            found.append(hashes[start : start + len(text) - 3])  # windows that stay inside the text
            start += len(text)
        return found


_CRC4 = _Crc4()


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
