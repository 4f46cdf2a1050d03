"""How close in meaning a question is to a passage, with no model running: weighted sums of word vectors.

Each of English's 30,000 commonest words has a vector (knowledge/word_vectors.npz, made once by
bench/make_word_vectors.py from all-MiniLM-L6-v2 embeddings of the word alone). A text's meaning is the sum of
its words' vectors, each weighed by how rare the word is in everyday English, so "the" and "have" count for
next to nothing and "refund" for nearly all. Words the list lacks (names, "hoppscotch") add nothing here; the
lexical features judge them. It is a weaker reading than a sentence model's: word order and context are lost,
but "invoices land in my old inbox" and "change the billing email" come out close, which no shared word shows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

from knowledge.spelling import english_counts
from knowledge.text import STOP_WORDS

WORD_VECTORS_FILE = Path(__file__).with_name("word_vectors.npz")
# Smooth inverse frequency (Arora, Liang and Ma, 2017): a word weighs SMOOTHING / (SMOOTHING + its share of
# everyday English), so the commonest words weigh almost nothing and a rare one about 1.
SMOOTHING = 1e-3

Meaning = npt.NDArray[np.float32]


@dataclass(frozen=True)
class WordVectors:
    """The word list's vectors, one byte per value, and each word's weight."""

    rows: Mapping[str, int]
    vectors: npt.NDArray[np.int8]
    weights: npt.NDArray[np.float32]

    def meaning(self, words: Iterable[str]) -> Meaning | None:
        """The unit vector of the words' weighted sum; None when the list has none of them (stop words aside)."""
        ids = [self.rows[w] for w in words if w in self.rows and w not in STOP_WORDS]
        if not ids:
            return None
        total = (self.vectors[ids].astype(np.float32) * self.weights[ids, None]).sum(axis=0)
        norm = float(np.linalg.norm(total))
        return total / norm if norm > 0 else None


@cache
def word_vectors() -> WordVectors:
    """The word vectors shipped with the knowledge store (read once)."""
    with np.load(WORD_VECTORS_FILE) as stored:
        words = [str(w) for w in stored["words"]]
        vectors = np.asarray(stored["vectors"], dtype=np.int8)
    counts = english_counts()
    total = float(sum(counts.values()))
    weights = np.array([SMOOTHING / (SMOOTHING + counts.get(w, 0) / total) for w in words], dtype=np.float32)
    return WordVectors({w: i for i, w in enumerate(words)}, vectors, weights)


def similarity(a: Meaning | None, b: Meaning | None) -> float:
    """The cosine of two meanings; 0 when either has none."""
    return float(a @ b) if a is not None and b is not None else 0.0
