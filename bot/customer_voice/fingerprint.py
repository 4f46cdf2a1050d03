"""A text as near-duplicate checks compare it: its shingles as numbers, MinHash band keys and a sketch.

Fingerprints of a whole batch are computed together, a few array operations instead of a few per text: the
shingles of an ASCII text are the 4-byte windows of its bytes, numbered and hashed for the batch at once.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from bot.customer_voice.terms import STOPWORDS

SHINGLE = 4
SKETCH_BITS = 1024  # a multiple of 64
_BANDS, _ROWS = 25, 3
_CHUNK = 4096  # shingles hashed per array operation
_NON_WORD = re.compile(r"[^\w]+")

Codes = npt.NDArray[np.uint64]
_Sizes = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """A text as the index compares it: its shingles, their MinHash band keys, and a sketch of them.

    `codes` holds one distinct number per shingle, ascending (uint64 bytes): equal shingles, equal numbers.
    The sketch sets bit `CRC-32 % 1024` for each shingle; a bit one text has and the other lacks stands
    for at least one shingle the other lacks, which bounds how many shingles two texts can share.
    """

    codes: bytes
    keys: tuple[bytes, ...]
    sketch: bytes

    @property
    def size(self) -> int:
        """How many distinct shingles the text has."""
        return len(self.codes) // 8

    def shingle_codes(self) -> Codes:
        """The shingles' numbers, ascending."""
        return np.frombuffer(self.codes, dtype=np.uint64)


def normalise(text: str) -> str:
    """Text as compared: NFKC, case folded, punctuation and stopwords dropped, single spaces."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    words = [w for w in _NON_WORD.sub(" ", folded).split() if w not in STOPWORDS and w != "_"]
    return " ".join(words)


def shingles(text: str) -> frozenset[str]:
    """Character 4-grams of the normalised text (robust to typos, word order and small additions)."""
    return _shingles(normalise(text))


def fingerprint(text: str) -> Fingerprint:
    """The text's fingerprint; the same in every process (the hashes are seeded)."""
    return fingerprints([text])[0]


def fingerprints(texts: Sequence[str]) -> list[Fingerprint]:
    """Each text's fingerprint, computed for all of them together."""
    norms = [normalise(text) for text in texts]
    windowed = [n for n, norm in enumerate(norms) if len(norm) > SHINGLE and norm.isascii()]
    window_codes, window_hashes = _WINDOWS.of([norms[n] for n in windowed])
    by_text = dict(zip(windowed, zip(window_codes, window_hashes, strict=True), strict=True))
    codes: list[bytes] = []
    hashes: list[npt.NDArray[np.uint64]] = []
    for n, norm in enumerate(norms):
        if n in by_text:
            text_codes, text_hashes = by_text[n]
        else:
            text_codes, text_hashes = _one_by_one(_shingles(norm))
        codes.append(text_codes)
        hashes.append(text_hashes)
    sizes = np.fromiter(map(len, hashes), dtype=np.int64, count=len(hashes))
    flat = np.concatenate([np.zeros(0, dtype=np.uint64), *hashes])
    keys = _hasher().band_keys(flat, sizes)
    return [Fingerprint(c, k, s) for c, k, s in zip(codes, keys, _sketches(flat, sizes), strict=True)]


def _shingles(norm: str) -> frozenset[str]:
    if len(norm) <= SHINGLE:
        return frozenset({norm}) if norm else frozenset()
    return frozenset(norm[i : i + SHINGLE] for i in range(len(norm) - SHINGLE + 1))


def _one_by_one(grams: frozenset[str]) -> tuple[bytes, npt.NDArray[np.uint64]]:
    """A text's shingle codes and CRC-32s, shingle by shingle (texts with non-ASCII letters, or short)."""
    codes = np.array(sorted(_code(g) for g in grams), dtype=np.uint64)
    hashes = np.array([zlib.crc32(g.encode("utf-8")) for g in grams], dtype=np.uint64)
    return codes.tobytes(), hashes


_RARE: dict[str, int] = {}  # shingles with a letter past U+FFFF, numbered as they come (they are rare)


def _code(gram: str) -> int:
    """A shingle's number, one to one: ASCII bytes read as one big-endian number (below 2**32); shingles
    of other letters below U+10000 as four 16-bit code points (at least 2**48, as no shingle starts with
    NUL); any other shingle numbered in between. Shorter shingles are padded with zeros."""
    if gram.isascii():
        return int.from_bytes(gram.encode("ascii").ljust(SHINGLE, b"\0"))
    points = [ord(c) for c in gram] + [0] * (SHINGLE - len(gram))
    if max(points) < 0x10000:
        return (points[0] << 48) | (points[1] << 32) | (points[2] << 16) | points[3]
    return _RARE.setdefault(gram, 2**32 + len(_RARE))


def _sketches(hashes: npt.NDArray[np.uint64], sizes: _Sizes) -> list[bytes]:
    """Each text's sketch: bit `hash % 1024` set for each of its shingle hashes."""
    bits = np.zeros((len(sizes), SKETCH_BITS), dtype=np.bool_)
    bits[np.repeat(np.arange(len(sizes)), sizes), hashes % SKETCH_BITS] = True
    raw, width = np.packbits(bits, axis=1).tobytes(), SKETCH_BITS // 8
    return [raw[o : o + width] for o in range(0, len(raw), width)]


class _Windows:
    """Codes and CRC-32s (zlib's) of every 4-byte window of ASCII texts, for many texts at once.

    CRC is linear in the bytes, so a window's CRC is the XOR of one table entry per byte position and the
    CRC of four zero bytes. A window that repeats in a text is hashed twice, which changes no minimum.
    """

    def __init__(self) -> None:
        zero = zlib.crc32(bytes(SHINGLE))
        self._tables = [
            np.array(
                [zlib.crc32(bytes(k) + bytes([v]) + bytes(SHINGLE - 1 - k)) ^ zero for v in range(256)],
                dtype=np.uint32,
            )
            for k in range(SHINGLE)
        ]
        self._zero = np.uint32(zero)

    def of(self, texts: list[str]) -> tuple[list[bytes], list[npt.NDArray[np.uint64]]]:
        """For each ASCII text longer than four characters: its distinct window codes (ascending, as uint64
        bytes), and the CRC-32 of each window."""
        if not texts:
            return [], []
        raw = np.frombuffer("".join(texts).encode("ascii"), dtype=np.uint8)
        b0, b1, b2, b3 = raw[:-3], raw[1:-2], raw[2:-1], raw[3:]
        t0, t1, t2, t3 = self._tables
        crc = (t0[b0] ^ t1[b1] ^ t2[b2] ^ t3[b3] ^ self._zero).astype(np.uint64)
        code = (
            (b0.astype(np.uint64) << np.uint64(24))
            | (b1.astype(np.uint64) << np.uint64(16))
            | (b2.astype(np.uint64) << np.uint64(8))
            | b3.astype(np.uint64)
        )
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        ends = np.cumsum(lengths)
        windows = lengths - (SHINGLE - 1)  # the windows that stay inside each text
        inside = np.ones(len(code), dtype=np.bool_)
        crossing = (ends[:-1, None] - np.arange(1, SHINGLE)).ravel()  # windows over a text's end
        inside[crossing] = False
        owner = np.repeat(np.arange(len(texts), dtype=np.uint64), windows)
        # Distinct codes per text in one sort: the text's number above each code (codes are below 2**32).
        ordered = np.sort((owner << np.uint64(32)) | code[inside])
        distinct = ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))]
        bounds = np.searchsorted(distinct >> np.uint64(32), np.arange(len(texts) + 1, dtype=np.uint64))
        distinct &= np.uint64(0xFFFFFFFF)
        codes = [
            distinct[a:b].tobytes() for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True)
        ]
        starts = (ends - lengths).tolist()
        return codes, [crc[s : s + w] for s, w in zip(starts, windows.tolist(), strict=True)]


class _MinHasher:
    """MinHash signatures cut into bands; seeded, so the same text always lands in the same buckets."""

    def __init__(self, bands: int = _BANDS, rows: int = _ROWS, seed: int = 20261125) -> None:
        random = np.random.default_rng(seed)
        count = bands * rows
        self._a = random.integers(1, 2**63, size=count, dtype=np.uint64) | np.uint64(1)
        self._b = random.integers(0, 2**63, size=count, dtype=np.uint64)
        self._bands, self._rows = bands, rows

    def band_keys(self, hashes: npt.NDArray[np.uint64], sizes: _Sizes) -> list[tuple[bytes, ...]]:
        """Each text's bucket keys, one per band of the MinHash signature of its shingle hashes (none
        without shingles). `hashes` holds every text's hashes one text after another, `sizes` how many."""
        count = len(sizes)
        signatures = np.empty((count, len(self._a)), dtype=np.uint32)
        ends = np.cumsum(sizes)
        starts = ends - sizes
        filled = np.flatnonzero(sizes)  # texts without shingles have no signature
        filled_ends = ends[filled]
        first = 0
        while first < len(filled):
            # A few thousand hashes at a time keeps the (permutations x hashes) products small, in cache.
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


_WINDOWS = _Windows()


@lru_cache(maxsize=1)
def _hasher() -> _MinHasher:
    """One seeded hasher per process: its random coefficients take a moment to draw."""
    return _MinHasher()
