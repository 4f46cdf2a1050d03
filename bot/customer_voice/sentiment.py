"""VADER sentiment, scored as vaderSentiment 3.3.2 scores it, without re-reading the text for every word.

The library lower-cases the whole text again for each sentiment word and each of the three words before it,
and rebuilds the text character by character to replace emoji. Here the text is lower-cased once and a text
without emoji is taken as it is; every rule and every arithmetic step is the library's, in its order, so the
scores are the same to the last digit (tests compare them on thousands of texts).
"""

from __future__ import annotations

from typing import Any

from vaderSentiment.vaderSentiment import (
    BOOSTER_DICT,
    C_INCR,
    N_SCALAR,
    NEGATE,
    SPECIAL_CASES,
    SentimentIntensityAnalyzer,
    SentiText,
    scalar_inc_dec,
)

_NEGATE = frozenset(NEGATE)


class LexiconSentiment(SentimentIntensityAnalyzer):  # type: ignore[misc]
    """VADER's analyzer with a faster `polarity_scores` that gives the library's scores."""

    def __init__(self) -> None:
        super().__init__()
        self._emoji = frozenset(self.emojis)

    def polarity_scores(self, text: str) -> dict[str, float]:
        """neg, neu, pos and compound, as the library computes them."""
        if not self._emoji.isdisjoint(text):
            # Emoji are replaced by their descriptions first: rare in feedback, left to the library.
            return dict(super().polarity_scores(text))
        text = text.strip()
        senti_text = SentiText(text)
        words: list[str] = senti_text.words_and_emoticons
        lower = [w.lower() for w in words]
        lexicon: dict[str, float] = self.lexicon
        last = len(words) - 1
        sentiments: list[float] = []
        for i, word in enumerate(lower):
            # Boosters, "kind of" and words outside the lexicon carry no sentiment of their own.
            if (
                word not in lexicon
                or word in BOOSTER_DICT
                or (i < last and word == "kind" and lower[i + 1] == "of")
            ):
                sentiments.append(0)
            else:
                sentiments.append(self._valence(words, lower, i, senti_text.is_cap_diff))
        if "but" in lower:
            sentiments = self._but_check(words, sentiments)
        return dict(self.score_valence(sentiments, text))

    def _valence(self, words: list[str], lower: list[str], i: int, is_cap_diff: bool) -> float:
        """The library's `sentiment_valence` for a word of the lexicon, on the lower-cased words."""
        lexicon: dict[str, float] = self.lexicon
        item, item_lowercase = words[i], lower[i]
        valence = lexicon[item_lowercase]
        if item_lowercase == "no" and i != len(words) - 1 and lower[i + 1] in lexicon:
            valence = 0.0
        if (
            (i > 0 and lower[i - 1] == "no")
            or (i > 1 and lower[i - 2] == "no")
            or (i > 2 and lower[i - 3] == "no" and lower[i - 1] in ["or", "nor"])
        ):
            valence = lexicon[item_lowercase] * N_SCALAR
        if item.isupper() and is_cap_diff:
            if valence > 0:
                valence += C_INCR
            else:
                valence -= C_INCR
        for start_i in range(0, 3):
            if i > start_i and lower[i - (start_i + 1)] not in lexicon:
                s = scalar_inc_dec(words[i - (start_i + 1)], valence, is_cap_diff)
                if start_i == 1 and s != 0:
                    s = s * 0.95
                if start_i == 2 and s != 0:
                    s = s * 0.9
                valence = valence + s
                valence = _negation_check(valence, lower, start_i, i)
                if start_i == 2:
                    valence = _special_idioms_check(valence, lower, i)
        return self._least(valence, lower, i)

    def _least(self, valence: float, lower: list[str], i: int) -> float:
        """The library's `_least_check` on the lower-cased words."""
        lexicon = self.lexicon
        if i > 1 and lower[i - 1] not in lexicon and lower[i - 1] == "least":
            if lower[i - 2] != "at" and lower[i - 2] != "very":
                valence = valence * N_SCALAR
        elif i > 0 and lower[i - 1] not in lexicon and lower[i - 1] == "least":
            valence = valence * N_SCALAR
        return valence


def _negated(word: str) -> bool:
    """The library's `negated([word])` for one lower-cased word (lower-casing twice changes nothing)."""
    return word in _NEGATE or "n't" in word


def _negation_check(valence: float, lower: list[str], start_i: int, i: int) -> float:
    """The library's `_negation_check` on the lower-cased words."""
    if start_i == 0 and _negated(lower[i - (start_i + 1)]):
        valence = valence * N_SCALAR
    if start_i == 1:
        if lower[i - 2] == "never" and (lower[i - 1] == "so" or lower[i - 1] == "this"):
            valence = valence * 1.25
        elif lower[i - 2] == "without" and lower[i - 1] == "doubt":
            pass
        elif _negated(lower[i - (start_i + 1)]):
            valence = valence * N_SCALAR
    if start_i == 2:
        if (lower[i - 3] == "never" and (lower[i - 2] == "so" or lower[i - 2] == "this")) or (
            lower[i - 1] == "so" or lower[i - 1] == "this"
        ):
            valence = valence * 1.25
        elif lower[i - 3] == "without" and (lower[i - 2] == "doubt" or lower[i - 1] == "doubt"):
            pass
        elif _negated(lower[i - (start_i + 1)]):
            valence = valence * N_SCALAR
    return valence


def _special_idioms_check(valence: float, lower: list[str], i: int) -> float:
    """The library's `_special_idioms_check` on the lower-cased words."""
    onezero = f"{lower[i - 1]} {lower[i]}"
    twoonezero = f"{lower[i - 2]} {lower[i - 1]} {lower[i]}"
    twoone = f"{lower[i - 2]} {lower[i - 1]}"
    threetwoone = f"{lower[i - 3]} {lower[i - 2]} {lower[i - 1]}"
    threetwo = f"{lower[i - 3]} {lower[i - 2]}"
    special: dict[str, Any] = SPECIAL_CASES
    for seq in (onezero, twoonezero, twoone, threetwoone, threetwo):
        if seq in special:
            valence = special[seq]
            break
    if len(lower) - 1 > i:
        zeroone = f"{lower[i]} {lower[i + 1]}"
        if zeroone in special:
            valence = special[zeroone]
    if len(lower) - 1 > i + 1:
        zeroonetwo = f"{lower[i]} {lower[i + 1]} {lower[i + 2]}"
        if zeroonetwo in special:
            valence = special[zeroonetwo]
    for n_gram in (threetwoone, threetwo, twoone):
        if n_gram in BOOSTER_DICT:
            valence = valence + BOOSTER_DICT[n_gram]
    return valence
