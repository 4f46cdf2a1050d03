"""How close in meaning a question is to a passage, with no model running: weighted sums of word vectors.

Each of English's 30,000 commonest words has a vector (knowledge/word_vectors.npz, made once by
bench/make_word_vectors.py from all-MiniLM-L6-v2 embeddings of the word alone). A text's meaning is the sum of
its words' vectors, each weighed by how rare the word is in everyday English, so "the" and "have" count for
next to nothing and "refund" for nearly all. Words the list lacks (names: "graphql", "hubspot") mean only
themselves: they do not move the sum, which the lexical features judge them by; a question made of
names alone ("graphql?", "mqtt") is as close to a passage as the share of them it says. It is a weaker reading
than a sentence model's: word order and context are lost, but "invoices land in my old inbox" and "change the
billing email" come out close, which no shared word shows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

from knowledge.spelling import english_counts

WORD_VECTORS_FILE = Path(__file__).with_name("word_vectors.npz")
# Smooth inverse frequency (Arora, Liang and Ma, 2017): a word weighs SMOOTHING / (SMOOTHING + its share of
# everyday English), so the commonest words weigh almost nothing and a rare one about 1.
SMOOTHING = 1e-3


@dataclass(frozen=True)
class Meaning:
    """A text's meaning: the weighted sum of its words' vectors (and their total weight), and the words the list
    lacks (names: "graphql", "hubspot"), which mean only themselves."""

    summed: npt.NDArray[np.float32]
    weight: float
    # Each name's stem, with how often the text says it; a name weighs as a word English never uses: 1.
    names: Mapping[str, int]


@dataclass(frozen=True)
class WordVectors:
    """The word list's vectors, one byte per value, their scale, and each word's weight."""

    rows: Mapping[str, int]
    vectors: npt.NDArray[np.int8]
    scale: float
    weights: npt.NDArray[np.float32]

    def meaning(self, words: Iterable[str], stem: Callable[[str], str]) -> Meaning | None:
        """The meaning of a text's words (as Tokenizer.words gives them: stop words out); None without any."""
        ids: list[int] = []
        names: Counter[str] = Counter()
        for word in words:
            row = self.rows.get(word)
            if row is None:
                names[stem(word)] += 1
            else:
                ids.append(row)
        if not ids and not names:
            return None
        weights = self.weights[ids]
        summed = (self.vectors[ids].astype(np.float32) * (weights[:, None] * self.scale)).sum(axis=0)
        return Meaning(summed, float(weights.sum()), dict(names))


@cache
def word_vectors() -> WordVectors:
    """The word vectors shipped with the knowledge store (read once)."""
    with np.load(WORD_VECTORS_FILE) as stored:
        words = [str(w) for w in stored["words"]]
        vectors = np.asarray(stored["vectors"], dtype=np.int8)
        scale = float(stored["scale"])
    counts = english_counts()
    total = float(sum(counts.values()))
    weights = np.array([SMOOTHING / (SMOOTHING + counts.get(w, 0) / total) for w in words], dtype=np.float32)
    return WordVectors({w: i for i, w in enumerate(words)}, vectors, scale, weights)


def closeness(question: Meaning | None, passage: Meaning | None) -> float:
    """How close in meaning a passage is to the question: the cosine of their words' summed vectors; for a
    question of names alone ("graphql?", "mqtt"), the share of its names the passage says. 0 when either has
    no meaning."""
    if question is None or passage is None:
        return 0.0
    if question.weight > 0:
        norms = float(np.linalg.norm(question.summed) * np.linalg.norm(passage.summed))
        return float(question.summed @ passage.summed) / norms if norms > 0 else 0.0
    held = sum(count for name, count in question.names.items() if name in passage.names)
    return held / sum(question.names.values())
