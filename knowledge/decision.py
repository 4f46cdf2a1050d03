"""Whether the best passages answer a question: a small logistic model over what the ranking shows.

It reads what the question is about (its words that are not framing, knowledge/framing.py), whether the best
passage and its page hold them (above all the rarest; a word counts as held where an alias or everyday
neighbour of it stands: "fee" where "charge" is, "mailbox" where "inbox" is, knowledge/neighbours.py; a word no
document has then weighs as the rarest of them), the other words no
document has (weighed by how specific they are in everyday English and by how many everyday words the store
uses at all; in a message of several parts, only those of the part that asks: "we're on PG 16" or "our
~25MB collection keeps failing" tells the context, not what is asked), how far the best page stands out, whether a question asking for a quantity finds a number
where the page speaks of it, and how close in meaning the best passage is, read from word vectors shipped with
the store (knowledge/meaning.py), so a page that says it in other words still counts. Every feature is a
share from 0 to 1, so the weights carry from one corpus to another; they were fitted by
bench/train_decision.py on chat-style questions written by people over three corpora (bench/data), the gold
set and generated questions (bench/make_dev_set.py). When the store has chunk vectors and the question has
one (dense retrieval on), a second weight set also reads how similar in meaning the question is to the
closest chunk; without them the first set decides alone.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from knowledge.framing import HOW_MEASURES, asking_part
from knowledge.index import LexicalIndex, QueryTerms, ScoredChunk
from knowledge.meaning import closeness, word_vectors
from knowledge.spelling import RARITY_FLOOR

# A corpus knowing this share of everyday English words is broad: its missing everyday words count fully.
BROAD_VOCABULARY = 0.5
# A word in more than this share of the chunks (two at least) is what the whole store is about: its product's
# name ("northpine") or its subject ("invoice" in an invoicing help centre).
STORE_WIDE_SHARE = 1 / 3
# The asking part of a message must hold this many topic words of its own to say what it is about; with fewer
# ("supported?") it refers back to the context.
ASKING_TOPIC_WORDS = 2
# How many of the question's rarest known words must be on the best page.
RARE_TERMS = 2
# The ranking's top this many chunks show whether it agrees on one page.
AGREEMENT_CHUNKS = 10
# The best page's chunks among the ranking's top this many are read sentence by sentence.
SENTENCE_CHUNKS = 8
# A question asking how much, how many, how long or for a limit wants a number.
_QUANTITY = re.compile(
    r"\b(how (" + "|".join(HOW_MEASURES) + r")|max|maximum|minimum|limit|limits|cap|price|pricing|cost|costs"
    r"|per (seat|month|year|user)|retained|retention|percentage|sla)\b"
)

# "over our limit", "exceed the limit", "hit the cap": a limit gone past, the question asks what happens.
_PAST_A_LIMIT = re.compile(
    r"\b(over|exceed|exceeds|exceeded|exceeding|hit|hits|reach|reached|reaches|above|beyond|past|go over|goes over"
    r"|went over|surpass|surpassed)\b(\s+\w+){0,3}?\s+(limit|limits|cap|quota|maximum|max)\b"
)

FEATURES = (
    "chunk_coverage",
    "page_coverage",
    "rare_coverage",
    "unknown_share",
    "score_share",
    "gap",
    "agreement",
    "missing_number",
    "phrase_coverage",
    "meaning_similarity",
)
# Fitted by bench/train_decision.py (it prints these lines); the order is FEATURES'.
WEIGHTS = (2.604, 1.975, -0.343, -8.137, 0.825, 0.267, 2.144, -2.295, 0.622, 6.774)
BIAS = -8.552
# With dense retrieval on: the same features and the question's highest cosine similarity with a chunk (of the
# kinds that may answer), fitted on the hybrid ranking with all-MiniLM-L6-v2 (train_decision.py --embeddings-url).
DENSE_FEATURES = (*FEATURES, "dense_similarity")
DENSE_WEIGHTS = (2.675, 1.647, -0.212, -7.934, 0.984, 0.122, 1.893, -2.436, 0.543, 5.063, 3.769)
DENSE_BIAS = -8.908


@dataclass(frozen=True)
class Evidence:
    """What the ranking shows about one question, each a share from 0 to 1.

    Coverages are idf-weighted shares of the question's topic words the corpus knows: of all of them in the
    best chunk and on its page, of the rarest on the page. Words no document has weigh apart, as a share of the
    topic, each by its idf times how specific it is in everyday English: a name ("hubspot", "heatmap") the docs
    would use if they covered it weighs fully, an everyday word, more often context ("our office", "on a
    call"), little; when the message has a part that asks and names its own topic (knowledge/framing.py
    asking_part), only the words of that part count here, for the rest is context. Then how much of its best possible score the top chunk reaches, its lead over the next
    page's, the share of the top chunks' score on its page, and 1 when the question asks for a quantity ("how
    much", "max", "per seat") and the best page's sentence that holds most of the question states no number.
    Last, the share of the question's neighbouring topic words ("react native", "shared links") that stand near
    each other in the best page's top chunks (1 when it has no such pair): words the docs use, put together as
    the docs never do, ask about something else. And how close in meaning the question and the best chunk are,
    read from their words' vectors: a page that answers in other words still comes out close.
    """

    chunk_coverage: float
    page_coverage: float
    rare_coverage: float
    unknown_share: float
    score_share: float
    gap: float
    agreement: float
    missing_number: float
    phrase_coverage: float
    # How much of the question's meaning the best chunk holds (knowledge/meaning.py: its words' summed vectors'
    # cosine, its names where the chunk says them); 0 when either has no meaning.
    meaning_similarity: float
    # The question's highest cosine similarity with a chunk's vector; None without dense retrieval.
    dense_similarity: float | None = None

    def values(self) -> tuple[float, ...]:
        """The features in FEATURES' order, then the dense similarity when there is one (DENSE_FEATURES)."""
        lexical = tuple(float(getattr(self, name)) for name in FEATURES)
        return lexical if self.dense_similarity is None else (*lexical, self.dense_similarity)


@dataclass(frozen=True)
class _Word:
    term: str
    idf: float
    alternates: tuple[str, ...]
    rarity: float
    # Words the documents use that say the same on their own ("mailbox": "inbox").
    synonyms: tuple[str, ...] = ()
    # No document has the word, but one has a word that says the same.
    paraphrased: bool = False


def _in_the_documents_words(index: LexicalIndex, word: _Word) -> _Word:
    """A word no document has, read through the words the documents use that say the same on their own (its
    everyday neighbours and one-word aliases): it weighs as the rarest of them."""
    if index.knows(word.term) or not word.synonyms:
        return word
    return replace(word, idf=max(index.idf(n) for n in word.synonyms), paraphrased=True)


def _names_the_store(index: LexicalIndex, word: _Word) -> bool:
    count = index.chunk_count(word.term)
    return count >= 2 and count > STORE_WIDE_SHARE * len(index.chunks)


def _topic(index: LexicalIndex, q: QueryTerms) -> list[_Word]:
    """The question's topic words: framing left out, unless nothing else is left but what the store is about."""
    n = len(q.terms)
    alternates = q.alternates or tuple(() for _ in range(n))
    framing = q.framing or tuple(False for _ in range(n))
    rarity = q.rarity or tuple(1.0 for _ in range(n))
    synonyms = q.synonyms or tuple(() for _ in range(n))
    words = [
        (_Word(t, idf, alts, rare, same), frames)
        for t, idf, alts, frames, rare, same in zip(
            q.terms, q.idf, alternates, framing, rarity, synonyms, strict=True
        )
    ]
    topic = [word for word, frames in words if not frames]
    if all(_names_the_store(index, word) for word in topic):
        # Nothing but framing, or only what the whole store is about ("who is the ceo of northpine?"): the
        # framing words are then what the question asks about.
        return [word for word, _ in words]
    return topic


def _absence_weight(rarity: float, breadth: float) -> float:
    """How much a word no document has counts against: a name fully, an everyday word less the narrower the
    corpus's vocabulary (a small store lacks most everyday words, whatever it covers)."""
    specific = (rarity - RARITY_FLOOR) / (1.0 - RARITY_FLOOR)
    return specific + (1.0 - specific) * RARITY_FLOOR * breadth


def _holds(word: _Word, present: frozenset[str]) -> bool:
    """Whether the word, an alias of it, or a word that says the same ("fee" where "charge" is) is present."""
    return (
        word.term in present
        or any(a in present for a in word.alternates)
        or any(s in present for s in word.synonyms)
    )


def _share(words: Sequence[_Word], present: frozenset[str]) -> float:
    """Idf-weighted share of the words present (a word's alias counts for it)."""
    total = sum(w.idf for w in words)
    held = sum(w.idf for w in words if _holds(w, present))
    return held / total if total > 0 else 0.0


def asks_for_quantity(question: str) -> bool:
    """Whether the question asks how much, how many, how long, or for a price or a limit.

    Going past a limit asks what happens then, not how high it is: "what happens if we go over our pageview
    limit?" is answered by what the page says happens.
    """
    text = _PAST_A_LIMIT.sub(" ", question.casefold())
    return bool(_QUANTITY.search(text))


def evidence(
    index: LexicalIndex, q: QueryTerms, ranked: Sequence[ScoredChunk], question: str = ""
) -> Evidence | None:
    """The features of a question's lexical ranking (chunks best first, as searched); None without hits."""
    if not ranked or ranked[0].position < 0:
        return None
    best = ranked[0]
    topic = [_in_the_documents_words(index, w) for w in _topic(index, q)]
    page = index.page_terms(best.chunk.source)
    known = [w for w in topic if index.knows(w.term) or w.paraphrased]
    rare = sorted(known, key=lambda w: -w.idf)[:RARE_TERMS]
    # A word no document has weighs by how specific it is: a name counts fully, an everyday word of context less,
    # and less still in a store whose vocabulary is narrow. The square root: a store of a few pages still names
    # a refund if it covers refunds.
    breadth = math.sqrt(min(1.0, index.everyday_breadth() / BROAD_VOCABULARY))
    weight = {w.term: w.idf if w in known else w.idf * _absence_weight(w.rarity, breadth) for w in topic}
    weighed = sum(weight.values())
    asked = _asked_terms(index, question)
    unknown = sum(weight[w.term] for w in topic if w not in known and (asked is None or w.term in asked))
    # Framing words count toward the best possible score only where the chunk has them, as in the coverages.
    chunk_terms = index.chunk_terms(best.position)
    topic_terms = {w.term for w in topic}
    best_possible = sum(index.max_impact(t) for t in q.terms if t in topic_terms or t in chunk_terms)
    second = next((h.score for h in ranked if h.chunk.source != best.chunk.source), 0.0)
    missing_number = asks_for_quantity(question) and not _closest_states_number(index, ranked, topic, weight)
    top = ranked[:AGREEMENT_CHUNKS]
    mass = sum(h.score for h in top)
    return Evidence(
        chunk_coverage=_share(known, chunk_terms),
        page_coverage=_share(known, page),
        rare_coverage=_share(rare, page),
        unknown_share=unknown / weighed if weighed > 0 else 0.0,
        score_share=min(1.0, best.score / best_possible) if best_possible > 0 else 0.0,
        gap=(best.score - second) / best.score if best.score > 0 else 0.0,
        agreement=sum(h.score for h in top if h.chunk.source == best.chunk.source) / mass
        if mass > 0
        else 0.0,
        missing_number=float(missing_number),
        phrase_coverage=_phrase_coverage(index, ranked, [w.term for w in known]),
        meaning_similarity=closeness(
            word_vectors().meaning(index.tokenizer.words(question), index.tokenizer.stem),
            index.meaning(best.position),
        ),
    )


def _asked_terms(index: LexicalIndex, question: str) -> frozenset[str] | None:
    """The terms of the part of the message that asks, when it says what the question is about on its own."""
    part = asking_part(question)
    if part is None:
        return None
    q = index.query_terms(part)
    topic_words = sum(1 for frames in q.framing or () if not frames)
    return frozenset(q.terms) if topic_words >= ASKING_TOPIC_WORDS else None


def _phrase_coverage(index: LexicalIndex, ranked: Sequence[ScoredChunk], terms: Sequence[str]) -> float:
    """Share of the question's neighbouring known topic terms that stand near each other on the best page."""
    pairs = list(itertools.pairwise(terms))
    if not pairs:
        return 1.0
    source = ranked[0].chunk.source
    near = [index.near_pairs(hit.position) for hit in ranked[:SENTENCE_CHUNKS] if hit.chunk.source == source]
    return sum(any(pair in chunk for chunk in near) for pair in pairs) / len(pairs)


def _closest_states_number(
    index: LexicalIndex, ranked: Sequence[ScoredChunk], topic: Sequence[_Word], weight: dict[str, float]
) -> bool:
    """Whether a sentence of the best page (among the top chunks) holding the most of the question's topic
    states a number (any of them, when several hold as much)."""
    source = ranked[0].chunk.source
    sentences = [
        sentence
        for hit in ranked[:SENTENCE_CHUNKS]
        if hit.chunk.source == source
        for sentence in index.sentences(hit.position)
    ]
    held = [sum(weight[w.term] for w in topic if _holds(w, s.terms)) for s in sentences]
    most = max(held)
    return any(s.has_number for s, h in zip(sentences, held, strict=True) if h == most)


def probability(
    features: Evidence | None, weights: Sequence[float] | None = None, bias: float | None = None
) -> float:
    """How likely the best page answers the question (0 without evidence).

    Unless weights are given, by the fitted model: the dense one when the evidence has a dense similarity.
    """
    if features is None:
        return 0.0
    dense = features.dense_similarity is not None
    if weights is None:
        weights = DENSE_WEIGHTS if dense else WEIGHTS
    if bias is None:
        bias = DENSE_BIAS if dense else BIAS
    z = bias + sum(w * x for w, x in zip(weights, features.values(), strict=True))
    return 1.0 / (1.0 + math.exp(-z))
