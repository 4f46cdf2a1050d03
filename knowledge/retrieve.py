"""Ranking on top of the lexical index (fused with the dense one when configured): freshness, verification and
votes, and whether to answer at all."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Literal, get_args

import numpy as np
import numpy.typing as npt

from knowledge.decision import Evidence, evidence, probability
from knowledge.dense import DenseIndex, most_similar
from knowledge.documents import Chunk, ChunkKind
from knowledge.index import LexicalIndex, QueryTerms, ScoredChunk, best_first
from knowledge.recency import asked_month, asks_about_everything_new, asks_what_changed, newest_entries

# Bounded so votes reorder near-ties but never lift an off-topic chunk over a real match.
MAX_VOTE_BOOST = 0.10
VOTE_SCALE = 3.0
VERIFIED_BOOST = 0.02
STALE_PENALTY = 0.02
CANDIDATES = 30

# The decision model's probability (knowledge/decision.py) below which the bot declines rather than guess; the
# model is fitted with each side weighing the same (bench/train_decision.py), so 0.5 balances the two errors.
MIN_CONFIDENCE = 0.5
# Below the bar but above this, the passages are related even if they may not answer: a low floor, since what the
# model reads it can decline. Cross-validated on the written development sets, 0.995 of answerable questions
# clear it (0.994 at 0.05; bench/train_decision.py prints both). An LLM reads them and decides; a decline without
# one lists them as the closest pages.
RELATED_CONFIDENCE = 0.02

ALL_KINDS: frozenset[str] = frozenset(get_args(ChunkKind))

Fusion = Literal["weighted", "rrf"]
# Both fusions were measured on the gold set (bench/answers.py --embeddings-url prints each): the weighted
# sum of min-max normalised scores, at Onyx's even split, ranked as well or better than reciprocal rank
# fusion, and its scores keep the spread the extractive answer's "close second" rule relies on.
DEFAULT_FUSION: Fusion = "weighted"
DENSE_WEIGHT = 0.5
RRF_K = 60


@dataclass(frozen=True)
class Retrieval:
    """Ranked hits for a question, how sure we are, whether that is enough to answer, and if not, to read."""

    question: str
    hits: list[ScoredChunk]
    confidence: float
    answerable: bool
    related: bool = False
    # The hits are the newest entries of release notes and change logs, for a "what's new?" question.
    newest: bool = False
    # What the lexical ranking (and the dense index's closest chunk) showed the decision (None: no hits, or the
    # newest entries).
    evidence: Evidence | None = None


def _kinds_for(question: str) -> frozenset[str]:
    """The kinds of chunk that may answer the question."""
    return ALL_KINDS if asks_what_changed(question) else ALL_KINDS - {"changelog"}


def vote_boost(net_votes: int) -> float:
    """Multiplicative score adjustment for a chunk's net helpful votes, within ±MAX_VOTE_BOOST."""
    return MAX_VOTE_BOOST * math.tanh(net_votes / VOTE_SCALE)


def freshness_boost(chunk: Chunk, today: date) -> float:
    """Small bonus for a verified, in-date entry; small penalty for an expired one."""
    if chunk.verified_on is None:
        return 0.0
    return -STALE_PENALTY if chunk.is_stale(today) else VERIFIED_BOOST


def _min_max(values: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """Values scaled to [0, 1] over the list (NaN, a chunk without a vector, counts as the lowest).

    When all are equal nothing tells them apart: positive values count fully, the others not at all.
    """
    known = ~np.isnan(values)
    if not known.any():
        return np.zeros_like(values)
    low, high = float(values[known].min()), float(values[known].max())
    scaled: npt.NDArray[np.float32]
    if high <= low:
        scaled = np.where(known & (values > 0), 1.0, 0.0).astype(np.float32)
    else:
        scaled = np.nan_to_num((values - low) / (high - low), nan=0.0).astype(np.float32)
    return scaled


def fuse_weighted(
    lexical: npt.NDArray[np.float32],
    dense: npt.NDArray[np.float32],
    candidates: Sequence[int],
    dense_weight: float = DENSE_WEIGHT,
) -> dict[int, float]:
    """Fused score of each candidate position: a weighted sum of both scores, each min-max scaled over them."""
    positions = np.asarray(candidates, dtype=np.int64)
    fused = dense_weight * _min_max(dense[positions]) + (1.0 - dense_weight) * _min_max(lexical[positions])
    return {int(p): float(f) for p, f in zip(positions, fused, strict=True)}


def fuse_reciprocal_rank(
    lexical_ranking: Sequence[int], dense_ranking: Sequence[int], k: int = RRF_K
) -> dict[int, float]:
    """Reciprocal rank fusion: each ranking adds 1/(k + rank); scaled so first in both scores 1."""
    fused: dict[int, float] = {}
    for ranking in (lexical_ranking, dense_ranking):
        for rank, position in enumerate(ranking, 1):
            fused[position] = fused.get(position, 0.0) + 1.0 / (k + rank)
    best = 2.0 / (k + 1)
    return {position: score / best for position, score in fused.items()}


class Retriever:
    """Searches an index (and the dense one, given a question's vector) and re-ranks with votes and freshness."""

    def __init__(
        self,
        index: LexicalIndex,
        votes: Mapping[str, int] | None = None,
        *,
        min_confidence: float = MIN_CONFIDENCE,
        dense: DenseIndex | None = None,
        fusion: Fusion = DEFAULT_FUSION,
        related_confidence: float = RELATED_CONFIDENCE,
    ) -> None:
        self.index = index
        self.votes = dict(votes or {})
        self.min_confidence = min_confidence
        self.related_confidence = min(related_confidence, min_confidence)
        self.dense = dense if dense is not None and len(dense) else None
        self.fusion = fusion

    def _multiplier(self, chunk: Chunk, today: date) -> float:
        return 1.0 + vote_boost(self.votes.get(chunk.chunk_key, 0)) + freshness_boost(chunk, today)

    def _best_per_document(
        self, raw: Sequence[ScoredChunk], k: int, today: date, holding: frozenset[str] = frozenset()
    ) -> list[ScoredChunk]:
        """Re-ranked with votes and freshness, then the best chunk of each of the k best documents.

        With `holding`, a document is represented by its best chunk that holds all those terms, where one does
        (at the document's own place in the ranking): "what about growth?" after a question on the Starter
        plan is about the Growth plan's section of the same page.
        """
        adjusted = [replace(hit, score=hit.score * self._multiplier(hit.chunk, today)) for hit in raw]
        adjusted.sort(key=lambda h: -h.score)
        # One chunk per document: five passages of one page crowd out the other pages worth citing.
        hits: list[ScoredChunk] = []
        seen: set[str] = set()
        for hit in adjusted:
            if hit.chunk.source not in seen:
                seen.add(hit.chunk.source)
                hits.append(self._holding(hit, adjusted, holding) if holding else hit)
                if len(hits) == k:
                    break
        return hits

    def _holding(
        self, best: ScoredChunk, ranked: Sequence[ScoredChunk], terms: frozenset[str]
    ) -> ScoredChunk:
        """The document's best chunk whose headings hold every one of the terms ("Pricing plans › Growth plan"),
        else whose text does, keeping the document's score; else `best`."""
        own = [hit for hit in ranked if hit.chunk.source == best.chunk.source and hit.position >= 0]
        in_headings = [
            hit for hit in own if terms <= frozenset(self.index.tokenizer.terms(hit.chunk.title_path))
        ]
        in_text = [hit for hit in own if terms <= self.index.chunk_terms(hit.position)]
        found = (in_headings or in_text or [best])[0]
        return replace(found, score=best.score)

    def _similarities(self, query_vector: Sequence[float] | None) -> npt.NDArray[np.float32] | None:
        """The question's cosine similarity to every chunk; None without a dense index or a usable vector."""
        if self.dense is None or query_vector is None:
            return None
        return self.dense.similarities(query_vector)

    def _fused(
        self, q: QueryTerms, similarities: npt.NDArray[np.float32], dense_ranking: Sequence[int], n: int
    ) -> list[ScoredChunk]:
        """The lexical and dense candidates (the n most similar chunks, best first) fused into one ranking."""
        lexical = self.index.scores(q)
        lexical_ranking = best_first(lexical, n)
        if self.fusion == "rrf":
            fused = fuse_reciprocal_rank(lexical_ranking, dense_ranking)
        else:
            candidates = list(dict.fromkeys([*lexical_ranking, *dense_ranking]))
            fused = fuse_weighted(lexical, similarities, candidates) if candidates else {}
        chunks = self.index.chunks
        return [ScoredChunk(chunks[p], score, self.index.coverage(q, p), p) for p, score in fused.items()]

    def _closest(
        self, similarities: npt.NDArray[np.float32], dense_ranking: Sequence[int], allowed: frozenset[str]
    ) -> float:
        """The highest similarity of a chunk of the allowed kinds among the most similar (0 with none)."""
        chunks = self.index.chunks
        return next((float(similarities[p]) for p in dense_ranking if chunks[p].kind in allowed), 0.0)

    def retrieve(
        self,
        question: str,
        k: int = 5,
        *,
        today: date | None = None,
        query_vector: Sequence[float] | None = None,
        holding: frozenset[str] = frozenset(),
    ) -> Retrieval:
        """The best chunk of each of the k best documents, re-ranked, with a confidence and a decline call.

        With the question's vector (and a dense index) the ranking fuses both, and whether to answer is
        decided by the dense weight set: the lexical ranking's evidence plus how close in meaning the nearest
        chunk is, fitted with embeddings on (bench/train_decision.py --embeddings-url). `holding`: terms a
        document's quoted chunk should hold where one of its chunks does (a follow-up's own subject).
        """
        day = today or date.today()
        if asks_about_everything_new(question, self.index.tokenizer, self.index.is_common):
            # "What's new?" names no topic: the newest entries of the release notes and change logs answer it.
            month = asked_month(question)
            newest = [ScoredChunk(chunk, 1.0, 1.0) for chunk in newest_entries(self.index.chunks, month)[:k]]
            if newest:
                return Retrieval(question, newest, 1.0, answerable=True, related=True, newest=True)
        n = max(k, CANDIDATES)
        q = self.index.query_terms(question)
        # A change log mentions every feature once; it answers only questions about what changed.
        allowed = _kinds_for(question)
        searched = [h for h in self.index.search(q, n) if h.chunk.kind in allowed]
        lexical = self._best_per_document(searched, k, day, holding)
        shown = evidence(self.index, q, searched, question)
        similarities = self._similarities(query_vector)
        hits = lexical
        if similarities is not None:
            dense_ranking = most_similar(similarities, n)
            fused = [h for h in self._fused(q, similarities, dense_ranking, n) if h.chunk.kind in allowed]
            hits = self._best_per_document(fused, k, day, holding)
            if shown is not None:
                shown = replace(shown, dense_similarity=self._closest(similarities, dense_ranking, allowed))
        conf = probability(shown)
        return Retrieval(
            question,
            hits,
            conf,
            answerable=bool(hits) and conf >= self.min_confidence,
            related=bool(hits) and conf >= self.related_confidence,
            evidence=shown,
        )
