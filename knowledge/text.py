"""Tokenising for the lexical index: lower case, Unicode words, English stop words, Snowball stems."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

# Where a sentence ends: after ".", "!" or "?" and a space, or at a line break.
SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
# Words split on anything that is not a letter or digit; "2fa", "utm" and "404" stay whole.
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
# A clitic after an apostrophe goes with it ("where's" is "where", "we'd" is "we"): glued on, it would make
# "wheres" and "wed", words no document has. "n't" stays, spelt without the apostrophe ("doesnt").
_CLITIC = re.compile(r"(?<=[^\W_])['’](?:s|d|ll|m|re|ve)(?![^\W_])", re.UNICODE)

_STOP_TEXT = """
    a about above after again against all am an and any are arent as at be because been before being below
    between both but by can could did do does doing dont down during each few for from further had has have
    having he her here hers herself him himself his how i im if in into is isnt it  its itself just let
    me more most my myself no nor not of off on once only or other ought our ours ourselves out over own same
    she should so some such than that the their theirs them themselves then there these they this those
    through to too under until up very was we were what when where which while who whom why will with would
    you your yours yourself yourselves s t d ll m re ve y also get got anyone someone something anything
    theres thing things way ways hi hello hey please thanks thank pls plz us one able need want know tell
    doesnt didnt wasnt werent havent hasnt hadnt cant couldnt shouldnt wouldnt wont ive youre theyre weve
    youve theyve whats wheres thats heres hows whos lets
    wants wanted needs needed knows getting gets like maybe actually really still seem seems anymore
    somewhere anywhere somehow anyway ok okay guys
"""
STOP_WORDS: frozenset[str] = frozenset(_STOP_TEXT.split())

_MAX_TOKEN_CHARS = 40


def all_words(text: str) -> list[str]:
    """Lower-cased words of text, stop words kept, clitics dropped ("customer's" is "customer")."""
    folded = _CLITIC.sub("", unicodedata.normalize("NFKC", text).casefold()).replace("'", "").replace("’", "")
    return list(_WORD.findall(folded))


class Tokenizer:
    """Turns text into index terms; one instance caches stems for the process it lives in."""

    def __init__(self) -> None:
        self._stemmer = snowballstemmer.stemmer("english")
        self._stem = lru_cache(maxsize=200_000)(self._stem_uncached)

    def _stem_uncached(self, word: str) -> str:
        return str(self._stemmer.stemWord(word))

    def words(self, text: str) -> list[str]:
        """Lower-cased words of text without stop words (not stemmed)."""
        return [w for w in all_words(text) if w not in STOP_WORDS and len(w) <= _MAX_TOKEN_CHARS]

    def stem(self, word: str) -> str:
        """The index term of one word from `words`."""
        return self._stem(word)

    def terms(self, text: str) -> list[str]:
        """Stemmed index terms of text, in order, repeats kept."""
        return [self._stem(w) for w in self.words(text)]
