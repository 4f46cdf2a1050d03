"""An in-memory BM25F index over chunks: title and headings weigh more than the body.

Field weights and length normalisation do not depend on the query, so each posting stores its
final BM25F impact; a query is then a sum of a few numpy slices.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from knowledge.aliases import ALIAS_WEIGHT, ALIASES
from knowledge.documents import Chunk
from knowledge.framing import FRAMING_WORDS, acted_on, measure_words
from knowledge.meaning import Meaning, word_vectors
from knowledge.neighbours import english_neighbours
from knowledge.spelling import SpellingCorrector, english_rarity, english_words, everyday_english
from knowledge.text import Tokenizer

# A query word the corpus has, missing from a chunk, weighs this share of its idf against the chunk's coverage
# (tuned on tests/data/knowledge_gold.jsonl, plain and with chat framing added; bench/answers.py prints it).
KNOWN_MISSING_WEIGHT = 0.5


# How many of English's most common words measure how broad a corpus's vocabulary is.
EVERYDAY_WORDS = 2000


# The idf of a term in a third of the chunks: log(1 + 2).
COMMON_IDF = 1.1

# Where a chunk's text breaks into sentences: after a full stop, colon, semicolon, question or exclamation mark,
# or at a line end (list items, table rows and headings are lines).
_SENTENCE_BREAK = re.compile(r"(?<=[.!?:;])\s+|\n+")
_DIGIT = re.compile(r"\d")
# Two terms stand near each other when at most this many positions apart ("shared links", "links you share").
NEAR_WORDS = 2
# A word no document has may join two they write apart, each this long at least ("cash" + "flow"); the chunks
# holding both that are read for the two side by side, at most.
COMPOUND_PART = 3
COMPOUND_CHUNKS = 50


@dataclass(frozen=True)
class FieldWeights:
    """BM25F parameters: per-field weight and length normalisation, plus the shared k1."""

    title: float = 2.0
    heading: float = 2.5
    body: float = 1.0
    b_title: float = 0.3
    b_heading: float = 0.5
    b_body: float = 0.75
    k1: float = 1.2


@dataclass(frozen=True)
class ScoredChunk:
    """A chunk with its ranking score and the share of the query it covers."""

    chunk: Chunk
    score: float
    coverage: float
    # Where the chunk sits in its index (-1: built by hand, outside any index).
    position: int = -1


@dataclass(frozen=True)
class Sentence:
    """One sentence of a chunk as the decision reads it: its terms (with its chunk's title and headings) and
    whether it states a number."""

    terms: frozenset[str]
    has_number: bool


@dataclass(frozen=True)
class QueryTerms:
    """A query after tokenising: unique terms with their idf (unknown terms get the largest idf).

    `alternates[i]` are alias terms that stand in for `terms[i]` with a lower weight (knowledge/aliases.py, and
    for a word no document has, its everyday neighbours the documents use: knowledge/neighbours.py).
    """

    terms: tuple[str, ...]
    idf: tuple[float, ...]
    alternates: tuple[tuple[str, ...], ...] = ()
    # Whether each term only frames the question (knowledge/framing.py): it counts where a passage has it.
    framing: tuple[bool, ...] = ()
    # Whether each term's word is in an English dictionary: a word no document has and no dictionary knows
    # names something ("hubspot", "sla"), where an unknown dictionary word is more often chat context.
    dictionary: tuple[bool, ...] = ()
    # How specific each term's word is in everyday English, 0 to 1 (knowledge/spelling.py, english_rarity).
    rarity: tuple[float, ...] = ()
    # For each term, the words the documents use that say the same on their own: its everyday neighbours and its
    # one-word aliases, not a phrase's words ("sso": "single sign"). For a term no document has, also among its
    # alternates, so the search finds them; a term the documents have is searched as itself.
    synonyms: tuple[tuple[str, ...], ...] = ()


class LexicalIndex:
    """BM25F over title, heading path and body of each chunk."""

    def __init__(
        self,
        chunks: Sequence[Chunk],
        postings: dict[str, tuple[npt.NDArray[np.int32], npt.NDArray[np.float32]]],
        idf: dict[str, float],
        doc_terms: list[frozenset[str]],
        tokenizer: Tokenizer,
        speller: SpellingCorrector | None = None,
    ) -> None:
        self.chunks = list(chunks)
        self._postings = postings
        self._idf = idf
        self._doc_terms = doc_terms
        self.tokenizer = tokenizer
        self.speller = speller
        self._unknown_idf = math.log(1.0 + (len(self.chunks) + 0.5) / 0.5)
        self._page_terms: dict[str, frozenset[str]] | None = None
        self._max_impact: dict[str, float] = {}
        # Filled as questions reach chunks: most chunks are never the best of any question.
        self._sentences: dict[int, tuple[Sentence, ...]] = {}
        self._near_pairs: dict[int, frozenset[tuple[str, str]]] = {}
        self._meanings: dict[int, Meaning | None] = {}
        self._everyday_breadth: float | None = None

    @classmethod
    def build(
        cls,
        chunks: Iterable[Chunk],
        weights: FieldWeights | None = None,
        tokenizer: Tokenizer | None = None,
    ) -> LexicalIndex:
        """Index the chunks; chunks with no terms stay retrievable by nothing."""
        w = weights or FieldWeights()
        tok = tokenizer or Tokenizer()
        chunk_list = list(chunks)
        fields: list[tuple[Counter[str], Counter[str], Counter[str]]] = []
        lengths = np.zeros((len(chunk_list), 3), dtype=np.float64)
        word_counts: Counter[str] = Counter()
        for i, c in enumerate(chunk_list):
            field_words = (
                tok.words(c.doc_title),
                tok.words(" ".join(h for h in c.heading_path if h != c.doc_title)),
                tok.words(c.text),
            )
            for words in field_words:
                word_counts.update(words)
            title, heading, body = (Counter(tok.stem(w) for w in words) for words in field_words)
            fields.append((title, heading, body))
            lengths[i] = (title.total(), heading.total(), body.total())
        avg = np.maximum(lengths.mean(axis=0) if len(chunk_list) else np.ones(3), 1e-9)
        f_weights = (w.title, w.heading, w.body)
        b = (w.b_title, w.b_heading, w.b_body)
        norms = [1.0 - b[f] + b[f] * lengths[:, f] / avg[f] for f in range(3)]

        acc: dict[str, tuple[list[int], list[float]]] = {}
        doc_terms: list[frozenset[str]] = []
        for i, per_field in enumerate(fields):
            pseudo_tf: dict[str, float] = {}
            for f, counts in enumerate(per_field):
                scale = f_weights[f] / max(norms[f][i], 1e-9)
                for term, count in counts.items():
                    pseudo_tf[term] = pseudo_tf.get(term, 0.0) + count * scale
            doc_terms.append(frozenset(pseudo_tf))
            for term, weight in pseudo_tf.items():
                ids, tfs = acc.setdefault(term, ([], []))
                ids.append(i)
                tfs.append(weight)

        n = len(chunk_list)
        idf: dict[str, float] = {}
        postings: dict[str, tuple[npt.NDArray[np.int32], npt.NDArray[np.float32]]] = {}
        for term, (ids, tfs) in acc.items():
            df = len(ids)
            term_idf = math.log(1.0 + (n - df + 0.5) / (df + 0.5))
            idf[term] = term_idf
            tf_arr = np.asarray(tfs, dtype=np.float64)
            impact = term_idf * tf_arr * (w.k1 + 1.0) / (tf_arr + w.k1)
            postings[term] = (np.asarray(ids, dtype=np.int32), impact.astype(np.float32))
        # Loaded here, off the event loop, rather than by the first question.
        word_vectors()
        return cls(chunk_list, postings, idf, doc_terms, tok, SpellingCorrector(word_counts))

    def __len__(self) -> int:
        return len(self.chunks)

    def is_common(self, word: str) -> bool:
        """Whether the word is in so many chunks (a third or more) that it names no topic, like the product's name."""
        return self._idf.get(self.tokenizer.stem(word), self._unknown_idf) <= COMMON_IDF

    def _as_the_documents_write(self, word: str) -> tuple[str, ...]:
        """The word; or the documents' word it is a typo of; or the two words it joins that the documents write
        apart ("cashflow" where they say "cash flow" or "cash-flow")."""
        if self.speller is None or self.tokenizer.stem(word) in self._idf:
            return (word,)
        corrected = self.speller.correct(word)
        if corrected:
            return (corrected,)
        return self._written_apart(word) or (word,)

    def _written_apart(self, word: str) -> tuple[str, str] | None:
        """The two words a word joins, where the documents have them side by side; None if they never do
        ("salesforce" is not "sales force" unless a page says so)."""
        for cut in range(COMPOUND_PART, len(word) - COMPOUND_PART + 1):
            first, second = self.tokenizer.terms(word[:cut]), self.tokenizer.terms(word[cut:])
            if len(first) != 1 or len(second) != 1 or not (self.knows(first[0]) and self.knows(second[0])):
                continue
            both = np.intersect1d(self._postings[first[0]][0], self._postings[second[0]][0])
            pair = (first[0], second[0])
            if any(pair in self.near_pairs(int(position)) for position in both[:COMPOUND_CHUNKS]):
                return word[:cut], word[cut:]
        return None

    def query_terms(self, query: str) -> QueryTerms:
        """The unique terms of a query (typos read as the documents' words), each with its idf and alias terms."""
        words = dict.fromkeys(
            read for w in self.tokenizer.words(query) for read in self._as_the_documents_write(w)
        )
        by_term: dict[str, tuple[str, ...]] = {}
        framing: dict[str, bool] = {}
        dictionary: dict[str, bool] = {}
        rarity: dict[str, float] = {}
        synonyms: dict[str, tuple[str, ...]] = {}
        english = english_words()
        measures = measure_words(query)
        frames = FRAMING_WORDS - acted_on(query, self.tokenizer.stem)
        for word in words:
            term = self.tokenizer.terms(word)
            if not term or word in measures:
                # "long" of "how long" asks for a duration: a page saying "long-term" is no closer to it.
                continue
            framing[term[0]] = framing.get(term[0], True) and (word in frames or word in measures)
            dictionary[term[0]] = dictionary.get(term[0], False) or word in english
            rarity[term[0]] = max(rarity.get(term[0], 0.0), english_rarity(word))
            alias_terms = tuple(
                t for alias in ALIASES.get(word, ()) for t in self.tokenizer.terms(alias) if t != term[0]
            )
            # A word may be asked in other words the documents use: its everyday neighbours, and its aliases of
            # one word (a phrase's words say the same only together).
            synonym_terms = tuple(
                near[0]
                for near in (
                    self.tokenizer.terms(w)
                    for w in (*ALIASES.get(word, ()), *english_neighbours().get(word, ()))
                )
                if len(near) == 1 and near[0] in self._idf and near[0] != term[0]
            )
            # A word no document has is searched through them too; a word the documents have, as itself.
            searched_synonyms = synonym_terms if term[0] not in self._idf else ()
            by_term[term[0]] = by_term.get(term[0], ()) + alias_terms + searched_synonyms
            synonyms[term[0]] = synonyms.get(term[0], ()) + synonym_terms
        terms = tuple(by_term)
        return QueryTerms(
            terms,
            tuple(self._idf.get(t, self._unknown_idf) for t in terms),
            tuple(tuple(dict.fromkeys(by_term[t])) for t in terms),
            tuple(framing[t] for t in terms),
            tuple(dictionary[t] for t in terms),
            tuple(rarity[t] for t in terms),
            tuple(tuple(dict.fromkeys(synonyms[t])) for t in terms),
        )

    def search(self, query: str | QueryTerms, k: int = 10) -> list[ScoredChunk]:
        """The k best chunks for the query, best first; empty when nothing matches."""
        q = self.query_terms(query) if isinstance(query, str) else query
        if not q.terms or not self.chunks or k <= 0:
            return []
        scores = self.scores(q)
        return [
            ScoredChunk(self.chunks[i], float(scores[i]), self.coverage(q, i), i)
            for i in best_first(scores, k)
        ]

    def scores(self, q: QueryTerms) -> npt.NDArray[np.float32]:
        """The BM25F score of every chunk for the query, by position (0 where no term matches)."""
        scores = np.zeros(len(self.chunks), dtype=np.float32)
        for term in q.terms:
            posting = self._postings.get(term)
            if posting is not None:
                scores[posting[0]] += posting[1]
        for alternates in q.alternates:
            for term in alternates:
                posting = self._postings.get(term)
                if posting is not None:
                    scores[posting[0]] += ALIAS_WEIGHT * posting[1]
        return scores

    def everyday_breadth(self) -> float:
        """Share of everyday English words (the most common EVERYDAY_WORDS) some chunk holds, 0 to 1."""
        if self._everyday_breadth is None:
            everyday = [t for w in everyday_english(EVERYDAY_WORDS) for t in self.tokenizer.terms(w)[:1]]
            known = sum(1 for t in everyday if t in self._idf)
            self._everyday_breadth = known / len(everyday) if everyday else 1.0
        return self._everyday_breadth

    def idf(self, term: str) -> float:
        """How rare the term is among the chunks (the largest idf for a term no chunk has)."""
        return self._idf.get(term, self._unknown_idf)

    def chunk_count(self, term: str) -> int:
        """How many chunks hold the (stemmed) term."""
        posting = self._postings.get(term)
        return 0 if posting is None else len(posting[0])

    def knows(self, term: str) -> bool:
        """Whether some chunk holds the (stemmed) term."""
        return term in self._idf

    def chunk_terms(self, position: int) -> frozenset[str]:
        """The terms of the chunk at position (title, headings and body)."""
        return self._doc_terms[position]

    def sentences(self, position: int) -> tuple[Sentence, ...]:
        """The sentences of the chunk at position, each with its chunk's title and heading terms."""
        if position not in self._sentences:
            chunk = self.chunks[position]
            heading = frozenset(self.tokenizer.terms(" ".join((chunk.doc_title, *chunk.heading_path))))
            self._sentences[position] = tuple(
                Sentence(heading | frozenset(self.tokenizer.terms(text)), bool(_DIGIT.search(text)))
                for text in _SENTENCE_BREAK.split(chunk.text)
            )
        return self._sentences[position]

    def meaning(self, position: int) -> Meaning | None:
        """What the chunk at position is about, as its words' vectors sum it (knowledge/meaning.py)."""
        if position not in self._meanings:
            chunk = self.chunks[position]
            text = " ".join((chunk.doc_title, *chunk.heading_path, chunk.text))
            self._meanings[position] = word_vectors().meaning(self.tokenizer.words(text), self.tokenizer.stem)
        return self._meanings[position]

    def near_pairs(self, position: int) -> frozenset[tuple[str, str]]:
        """Pairs of terms that stand near each other (at most one word apart) in a line or sentence of the chunk
        at position, its title and headings included, each pair in both orders."""
        if position not in self._near_pairs:
            chunk = self.chunks[position]
            pairs: set[tuple[str, str]] = set()
            for text in (chunk.doc_title, *chunk.heading_path, *_SENTENCE_BREAK.split(chunk.text)):
                terms = self.tokenizer.terms(text)
                for gap in range(1, NEAR_WORDS + 1):
                    for a, b in zip(terms, terms[gap:], strict=False):
                        pairs.update(((a, b), (b, a)))
            self._near_pairs[position] = frozenset(pairs)
        return self._near_pairs[position]

    def page_terms(self, source: str) -> frozenset[str]:
        """The terms of every chunk of one document."""
        if self._page_terms is None:
            pages: dict[str, set[str]] = {}
            for chunk, terms in zip(self.chunks, self._doc_terms, strict=True):
                pages.setdefault(chunk.source, set()).update(terms)
            self._page_terms = {source: frozenset(terms) for source, terms in pages.items()}
        return self._page_terms.get(source, frozenset())

    def max_impact(self, term: str) -> float:
        """The most one chunk scores for the term: what a query term can add at best."""
        if term not in self._max_impact:
            posting = self._postings.get(term)
            self._max_impact[term] = float(posting[1].max()) if posting is not None else 0.0
        return self._max_impact[term]

    def coverage(self, q: QueryTerms, position: int) -> float:
        """How much of what the query is about the chunk at position holds, from 0 to 1.

        Idf-weighted: a term the chunk has counts for it; a missing term against it, fully when no document
        has the word (a product or feature the docs never name: "salesforce", "heatmap"), half when some
        other passage has it (it may be a paraphrase). A framing term ("customer", "wondering") counts only
        when the chunk has it: context around a question never lowers its coverage.
        """
        present = self._doc_terms[position]
        alternates = q.alternates or tuple(() for _ in q.terms)
        framing = q.framing or tuple(False for _ in q.terms)
        covered = missing = 0.0
        for term, term_idf, alts, frames in zip(q.terms, q.idf, alternates, framing, strict=True):
            if term in present or any(a in present for a in alts):
                covered += term_idf
            elif not frames:
                missing += term_idf * (1.0 if term not in self._idf else KNOWN_MISSING_WEIGHT)
        return covered / (covered + missing) if covered + missing > 0 else 0.0


def best_first(scores: npt.NDArray[np.float32], k: int) -> list[int]:
    """Positions of the k highest positive scores, best first (ties by position)."""
    matched = int(np.count_nonzero(scores > 0))
    top = min(k, matched)
    if top <= 0:
        return []
    candidates = np.argpartition(-scores, top - 1)[:top] if top < len(scores) else np.arange(len(scores))
    return sorted((int(i) for i in candidates if scores[i] > 0), key=lambda i: (-scores[i], i))[:top]
