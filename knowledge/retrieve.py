"""Ranking on top of the lexical index: freshness, verification and votes, and whether to answer at all."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date

from knowledge.documents import Chunk
from knowledge.index import LexicalIndex, ScoredChunk

# Bounded so votes reorder near-ties but never lift an off-topic chunk over a real match.
MAX_VOTE_BOOST = 0.10
VOTE_SCALE = 3.0
VERIFIED_BOOST = 0.02
STALE_PENALTY = 0.02
CANDIDATES = 30

# Calibrated on tests/data/knowledge_gold.jsonl (bench/answers.py prints the sweep): below this
# confidence the bot declines rather than guess.
MIN_CONFIDENCE = 0.45


@dataclass(frozen=True)
class Retrieval:
    """Ranked hits for a question, how sure we are, and whether that is enough to answer."""

    question: str
    hits: list[ScoredChunk]
    confidence: float
    answerable: bool


def vote_boost(net_votes: int) -> float:
    """Multiplicative score adjustment for a chunk's net helpful votes, within ±MAX_VOTE_BOOST."""
    return MAX_VOTE_BOOST * math.tanh(net_votes / VOTE_SCALE)


def freshness_boost(chunk: Chunk, today: date) -> float:
    """Small bonus for a verified, in-date entry; small penalty for an expired one."""
    if chunk.verified_on is None:
        return 0.0
    return -STALE_PENALTY if chunk.is_stale(today) else VERIFIED_BOOST


def confidence(hits: list[ScoredChunk]) -> float:
    """How likely the best hit answers the question, from 0 to 1.

    Query-term coverage of the best chunk carries most of the weight: questions the documents do not
    answer usually have a key term (a product or feature name) that no chunk holds. The best chunk's
    lead over the runner-up adds a little.
    """
    if not hits:
        return 0.0
    best = hits[0]
    second = hits[1].score if len(hits) > 1 else 0.0
    margin = (best.score - second) / best.score if best.score > 0 else 0.0
    return min(1.0, 0.85 * best.coverage + 0.15 * margin)


class Retriever:
    """Searches an index and re-ranks with votes and freshness."""

    def __init__(
        self,
        index: LexicalIndex,
        votes: Mapping[str, int] | None = None,
        *,
        min_confidence: float = MIN_CONFIDENCE,
    ) -> None:
        self.index = index
        self.votes = dict(votes or {})
        self.min_confidence = min_confidence

    def _multiplier(self, chunk: Chunk, today: date) -> float:
        return 1.0 + vote_boost(self.votes.get(chunk.chunk_key, 0)) + freshness_boost(chunk, today)

    def retrieve(self, question: str, k: int = 5, *, today: date | None = None) -> Retrieval:
        """The best chunk of each of the k best documents, re-ranked, with a confidence and a decline call."""
        day = today or date.today()
        raw = self.index.search(question, max(k, CANDIDATES))
        adjusted = [replace(hit, score=hit.score * self._multiplier(hit.chunk, day)) for hit in raw]
        adjusted.sort(key=lambda h: -h.score)
        # One chunk per document: five passages of one page crowd out the other pages worth citing.
        hits: list[ScoredChunk] = []
        seen: set[str] = set()
        for hit in adjusted:
            if hit.chunk.source not in seen:
                seen.add(hit.chunk.source)
                hits.append(hit)
                if len(hits) == k:
                    break
        conf = confidence(hits)
        return Retrieval(question, hits, conf, bool(hits) and conf >= self.min_confidence)
