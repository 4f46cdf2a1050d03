"""Whether a question in a thread follows up on the thread's earlier question ("and for monthly ones?") or
stands alone ("who is the ceo?"), so the store knows when to read it with that question."""

from __future__ import annotations

import re

from knowledge.framing import measure_words
from knowledge.index import LexicalIndex
from knowledge.retrieve import Retrieval
from knowledge.text import Tokenizer

# A follow-up is short ("and with Monzo?"); a longer question none of whose words any page uses is about
# something else, and the thread's earlier question must not lend it an answer.
FOLLOW_UP_WORDS = 4

# Words by which a question points back at the thread's ("does that also work for monthly ones?"); a question
# without any ("can I send invoices in USD?") stands alone, whatever was asked before it.
_BACK_REFERENCE = re.compile(r"\b(it|that|this|those|these|they|them|ones|same)\b", re.IGNORECASE)
# How a question opens when it asks something whole ("who is …", "can I …").
_QUESTION_WORD = re.compile(
    r"^\W*(who|what|when|where|which|why|how|is|are|can|could|does|do|did|will|should)\b", re.IGNORECASE
)
# How a follow-up opens: it adds to what was asked ("and for …", "what about …").
_CONTINUATION = re.compile(r"^\W*(and|or|but|also|plus|so|what about|how about)\b", re.IGNORECASE)


def is_terse(question: str) -> bool:
    """Whether the question is as short as a follow-up ("and with Monzo?")."""
    return len(re.findall(r"\w+", question)) <= FOLLOW_UP_WORDS


def refers_back(question: str) -> bool:
    """Whether a question points back at what was asked before it ("and does that work for them?")."""
    return bool(_BACK_REFERENCE.search(question))


def asks_on_its_own(question: str, tokenizer: Tokenizer) -> bool:
    """Whether a short question is whole by itself: it opens with a question word, names something of its own
    ("who is the ceo?", "where is the office?"), and neither adds to nor points back at what came before."""
    if not _QUESTION_WORD.match(question) or plainly_follows_up(question):
        return False
    # A word that elsewhere only frames a question ("ceo" in "our ceo asks …") is its topic here; the measure
    # after "how" ("how long?") is not. (Tokenizer.words leaves stop words out.)
    measures = measure_words(question)
    return any(w not in measures for w in tokenizer.words(question))


def plainly_follows_up(question: str) -> bool:
    """Whether a question says it goes on from the one before: it adds to it ("and for the monthly ones?") or
    points back at it ("which plan has it?")."""
    return bool(_CONTINUATION.match(question)) or refers_back(question)


def reads_as_follow_up(question: str, tokenizer: Tokenizer) -> bool:
    """Whether a question is short and incomplete enough to be read with the thread's question, always."""
    return is_terse(question) and not asks_on_its_own(question, tokenizer)


def may_follow_up(question: str, terse: bool, alone: Retrieval) -> bool:
    """Whether a question may be read with the thread's earlier questions: a terse one, or one that adds to them
    ("and for the monthly ones?"), always; another longer one only when it points back at them, is not
    answerable alone, and its own words find pages."""
    return (
        terse
        or bool(_CONTINUATION.match(question))
        or (refers_back(question) and not alone.answerable and bool(alone.hits))
    )


def own_subject(index: LexicalIndex, question: str) -> frozenset[str]:
    """A follow-up's own topic terms that the documents have ("growth" of "what about growth?"): read with the
    earlier question, the answer should still be about them."""
    q = index.query_terms(question)
    framing = q.framing or tuple(False for _ in q.terms)
    return frozenset(
        term for term, frames in zip(q.terms, framing, strict=True) if not frames and index.knows(term)
    )
