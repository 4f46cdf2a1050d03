"""The answer decision before the current one, kept so the benches print it beside the new one in the same run.

It is the logistic model main used until issue 15's second pass: eight shares (topic-word coverage of the best
chunk and page, of the two rarest on the page, unknown words split by whether a dictionary knows them, score
share, lead, agreement), fitted on generated questions and the gold set, answered from 0.5 and sent to an LLM
from 0.05.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from knowledge.index import LexicalIndex, ScoredChunk
from knowledge.retrieve import _kinds_for

BAR = 0.5
FLOOR = 0.05
WEIGHTS = (2.376, 3.655, -1.434, -8.570, -4.863, -0.374, 1.256, 0.517)
BIAS = -2.210
RARE_TERMS = 2
AGREEMENT_CHUNKS = 10
CANDIDATES = 30


def _share(words: Sequence[tuple[str, float, tuple[str, ...]]], present: frozenset[str]) -> float:
    total = sum(idf for _, idf, _ in words)
    held = sum(idf for t, idf, alts in words if t in present or any(a in present for a in alts))
    return held / total if total > 0 else 0.0


def features(index: LexicalIndex, question: str) -> tuple[float, ...] | None:
    """The previous decision's eight features for a question (None without hits)."""
    q = index.query_terms(question)
    allowed = _kinds_for(question)
    ranked: list[ScoredChunk] = [h for h in index.search(q, CANDIDATES) if h.chunk.kind in allowed]
    if not ranked:
        return None
    best = ranked[0]
    n = len(q.terms)
    alternates = q.alternates or tuple(() for _ in range(n))
    framing = q.framing or tuple(False for _ in range(n))
    dictionary = q.dictionary or tuple(True for _ in range(n))
    words = list(zip(q.terms, q.idf, alternates, framing, dictionary, strict=True))
    topic = [w for w in words if not w[3]] or words
    page = index.page_terms(best.chunk.source)
    known = [(t, idf, alts) for t, idf, alts, _, _ in topic if index.knows(t)]
    rare = sorted(known, key=lambda w: -w[1])[:RARE_TERMS]
    total = sum(w[1] for w in topic)
    names = sum(w[1] for w in topic if not index.knows(w[0]) and not w[4])
    unknown_words = sum(w[1] for w in topic if not index.knows(w[0]) and w[4])
    chunk_terms = index.chunk_terms(best.position)
    topic_terms = {w[0] for w in topic}
    best_possible = sum(index.max_impact(t) for t in q.terms if t in topic_terms or t in chunk_terms)
    second = next((h.score for h in ranked if h.chunk.source != best.chunk.source), 0.0)
    top = ranked[:AGREEMENT_CHUNKS]
    mass = sum(h.score for h in top)
    return (
        _share(known, chunk_terms),
        _share(known, page),
        _share(rare, page),
        names / total if total > 0 else 0.0,
        unknown_words / total if total > 0 else 0.0,
        min(1.0, best.score / best_possible) if best_possible > 0 else 0.0,
        (best.score - second) / best.score if best.score > 0 else 0.0,
        sum(h.score for h in top if h.chunk.source == best.chunk.source) / mass if mass > 0 else 0.0,
    )


def probability(index: LexicalIndex, question: str) -> float:
    """The previous decision's probability that the best page answers the question."""
    values = features(index, question)
    if values is None:
        return 0.0
    z = BIAS + sum(w * x for w, x in zip(WEIGHTS, values, strict=True))
    return 1.0 / (1.0 + math.exp(-z))
