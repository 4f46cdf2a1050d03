"""Whether the best passages answer a question: a small logistic model over what the ranking shows.

It reads what the question is about (its words that are not framing, knowledge/framing.py), whether the best
passage and its page hold them (above all the rarest), words no document has, and how far the best page stands
out. Every feature is a share from 0 to 1, so the weights carry from one corpus to another; they were fitted by
bench/train_decision.py on questions generated from three corpora (bench/make_dev_set.py) and the gold set.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from knowledge.index import LexicalIndex, QueryTerms, ScoredChunk

# How many of the question's rarest known words must be on the best page.
RARE_TERMS = 2
# The ranking's top this many chunks show whether it agrees on one page.
AGREEMENT_CHUNKS = 10

FEATURES = (
    "chunk_coverage",
    "page_coverage",
    "rare_coverage",
    "unknown_names",
    "unknown_words",
    "score_share",
    "gap",
    "agreement",
)
# Fitted by bench/train_decision.py (it prints these lines); the order is FEATURES'.
WEIGHTS = (2.376, 3.655, -1.434, -8.570, -4.863, -0.374, 1.256, 0.517)
BIAS = -2.210


@dataclass(frozen=True)
class Evidence:
    """What the ranking shows about one question, each a share from 0 to 1.

    Coverages are idf-weighted shares of the question's topic words the corpus knows: of all of them in the
    best chunk and on its page, of the rarest on the page. Words no document has weigh apart, as a share of the
    topic: names no dictionary knows ("hubspot", "sla"), which the docs would name if they covered them, and
    dictionary words, more often context ("our berlin office"). Then how much of its best possible score the
    top chunk reaches, its lead over the next page's, and the share of the top chunks' score on its page.
    """

    chunk_coverage: float
    page_coverage: float
    rare_coverage: float
    unknown_names: float
    unknown_words: float
    score_share: float
    gap: float
    agreement: float

    def values(self) -> tuple[float, ...]:
        """The features in FEATURES' order."""
        return tuple(getattr(self, name) for name in FEATURES)


@dataclass(frozen=True)
class _Word:
    term: str
    idf: float
    alternates: tuple[str, ...]
    dictionary: bool


def _topic(q: QueryTerms) -> list[_Word]:
    """The question's topic words (framing left out, unless it is all framing)."""
    n = len(q.terms)
    alternates = q.alternates or tuple(() for _ in range(n))
    framing = q.framing or tuple(False for _ in range(n))
    dictionary = q.dictionary or tuple(True for _ in range(n))
    words = [
        (_Word(t, idf, alts, known), frames)
        for t, idf, alts, frames, known in zip(q.terms, q.idf, alternates, framing, dictionary, strict=True)
    ]
    topic = [word for word, frames in words if not frames]
    return topic or [word for word, _ in words]


def _share(words: Sequence[_Word], present: frozenset[str]) -> float:
    """Idf-weighted share of the words present (a word's alias counts for it)."""
    total = sum(w.idf for w in words)
    held = sum(w.idf for w in words if w.term in present or any(a in present for a in w.alternates))
    return held / total if total > 0 else 0.0


def evidence(index: LexicalIndex, q: QueryTerms, ranked: Sequence[ScoredChunk]) -> Evidence | None:
    """The features of a question's lexical ranking (chunks best first, as searched); None without hits."""
    if not ranked or ranked[0].position < 0:
        return None
    best = ranked[0]
    topic = _topic(q)
    page = index.page_terms(best.chunk.source)
    known = [w for w in topic if index.knows(w.term)]
    rare = sorted(known, key=lambda w: -w.idf)[:RARE_TERMS]
    total = sum(w.idf for w in topic)
    names = sum(w.idf for w in topic if not index.knows(w.term) and not w.dictionary)
    words = sum(w.idf for w in topic if not index.knows(w.term) and w.dictionary)
    # Framing words count toward the best possible score only where the chunk has them, as in the coverages.
    chunk_terms = index.chunk_terms(best.position)
    topic_terms = {w.term for w in topic}
    best_possible = sum(index.max_impact(t) for t in q.terms if t in topic_terms or t in chunk_terms)
    second = next((h.score for h in ranked if h.chunk.source != best.chunk.source), 0.0)
    top = ranked[:AGREEMENT_CHUNKS]
    mass = sum(h.score for h in top)
    return Evidence(
        chunk_coverage=_share(known, chunk_terms),
        page_coverage=_share(known, page),
        rare_coverage=_share(rare, page),
        unknown_names=names / total if total > 0 else 0.0,
        unknown_words=words / total if total > 0 else 0.0,
        score_share=min(1.0, best.score / best_possible) if best_possible > 0 else 0.0,
        gap=(best.score - second) / best.score if best.score > 0 else 0.0,
        agreement=sum(h.score for h in top if h.chunk.source == best.chunk.source) / mass
        if mass > 0
        else 0.0,
    )


def probability(features: Evidence | None, weights: Sequence[float] = WEIGHTS, bias: float = BIAS) -> float:
    """How likely the best page answers the question, by the fitted model (0 without evidence)."""
    if features is None:
        return 0.0
    z = bias + sum(w * x for w, x in zip(weights, features.values(), strict=True))
    return 1.0 / (1.0 + math.exp(-z))
