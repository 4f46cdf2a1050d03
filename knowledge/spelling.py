"""Typo tolerance for questions: a misspelt word is read as the knowledge store's word it was meant to be."""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import cache
from importlib import resources

from symspellpy import SymSpell, Verbosity

from knowledge.text import STOP_WORDS

# Shorter words have too many one-letter neighbours ("httpd" and "https") to guess which was meant; for them only
# two letters swapped is read ("pasue", "cna"), when one swap alone makes a word the documents use.
MIN_TYPO_CHARS = 6
MIN_SWAPPED_CHARS = 3
# From this length on, two slips (a transposition and a dropped letter) are still one clear word.
TWO_EDITS_FROM_CHARS = 8


# English rarity (below) maps a word's frequency to its floor at this share of the scale (common words: "see",
# "design", "call") and to 1 this far above it ("heatmap", "kafka", words the list lacks).
COMMON_RARITY = 0.15
RARITY_SPAN = 0.5
# An everyday word still weighs three quarters of a name: "tax id" is as much the topic as "hubspot" (lower
# floors, down to 0, cross-validate within a question or two, and answer "do exports include the tax id?").
RARITY_FLOOR = 0.75


@cache
def english_counts() -> Mapping[str, int]:
    """How often each word of symspellpy's English frequency list occurs in its web corpus."""
    listing = resources.files("symspellpy").joinpath("frequency_dictionary_en_82_765.txt").read_text("utf-8")
    return {word: int(count) for word, count in (line.split(" ", 1) for line in listing.splitlines() if line)}


@cache
def english_words() -> frozenset[str]:
    """The words of symspellpy's English frequency list: a word in it is spelt right, even if no document has it."""
    return frozenset(english_counts())


@cache
def everyday_english(n: int) -> tuple[str, ...]:
    """English's n most common words, most common first."""
    counts = english_counts()
    return tuple(sorted(counts, key=lambda w: -counts[w])[:n])


@cache
def _log_most_common() -> float:
    return math.log(max(english_counts().values()))


def english_rarity(word: str) -> float:
    """How specific a word is in everyday English, from RARITY_FLOOR ("office", "call") to 1 ("heatmap").

    A word no document has weighs by this in the decision: a rare one names what the question is about, which
    the docs would name if they covered it; a common one is more often context ("our office", "on a call").
    """
    rarity = 1.0 - math.log(english_counts().get(word, 0) + 1) / _log_most_common()
    return RARITY_FLOOR + (1.0 - RARITY_FLOOR) * min(1.0, max(0.0, (rarity - COMMON_RARITY) / RARITY_SPAN))


class SpellingCorrector:
    """Reads a word no document holds, and no English dictionary knows, as the closest word the documents use.

    Only such words are touched: a real word the documents lack ("clarity", "docker") is
    evidence the question is out of scope, and must stay unknown so the bot declines rather than guesses.
    """

    def __init__(self, word_counts: Mapping[str, int]) -> None:
        self._known = frozenset(word_counts)
        # Loaded here, where the index is built (off the event loop), not by the first question with a typo.
        self._english = english_words()
        self._speller = SymSpell(max_dictionary_edit_distance=2, prefix_length=7)
        for word, count in word_counts.items():
            if len(word) >= MIN_TYPO_CHARS - 1 and word.isalpha():
                self._speller.create_dictionary_entry(word, count)

    def correct(self, word: str) -> str | None:
        """The documents' word a misspelt word stands for; None when it is known, real or too far from any."""
        if not word.isalpha() or word in self._known or word in self._english:
            return None
        if len(word) < MIN_TYPO_CHARS:
            return self._swapped(word) if len(word) >= MIN_SWAPPED_CHARS else None
        distance = 2 if len(word) >= TWO_EDITS_FROM_CHARS else 1
        suggestions = self._speller.lookup(
            word, Verbosity.TOP, max_edit_distance=distance, transfer_casing=False
        )
        return suggestions[0].term if suggestions else None

    def _swapped(self, word: str) -> str | None:
        """The one word of the documents, or a stop word ("cna": "can"), that two neighbouring letters swapped
        back make; None when none or several do (several stop words, "hwo": "how", "who", are one: unsearched)."""
        swaps = {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1)}
        meant = sorted(w for w in swaps if w != word and (w in self._known or w in STOP_WORDS))
        if len(meant) == 1 or (meant and all(w in STOP_WORDS for w in meant)):
            return meant[0]
        return None
