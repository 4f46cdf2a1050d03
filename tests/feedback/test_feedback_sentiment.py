"""Sentiment: the faster scorer gives vaderSentiment's own scores, rule for rule."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from vaderSentiment.vaderSentiment import (
    BOOSTER_DICT,
    NEGATE,
    SPECIAL_CASES,
    SentimentIntensityAnalyzer,
)

from bot.customer_voice.sentiment import LexiconSentiment

LIBRARY = SentimentIntensityAnalyzer()
FAST = LexiconSentiment()
# Words that trigger VADER's rules: negations, boosters, "but", "least", "kind of", idioms, caps, emoticons.
_RULES = """no not nor or but least at very kind of sort never so this without doubt good great bad terrible
love hate GREAT Good HATE BAD isn't wasn't dont :) :( :D <3 lol ! ? , . Σ ΑΣ İstanbul ß"""
RULE_WORDS = sorted({*BOOSTER_DICT, *NEGATE, *" ".join(SPECIAL_CASES).split(), *_RULES.split()})
EXAMPLES = [
    "VADER is smart, handsome, and funny.",
    "VADER is VERY SMART, uber handsome, and FRIGGIN FUNNY!!!",
    "VADER is not smart, handsome, nor funny.",
    "At least it isn't a horrible book.",
    "The book was only kind of good.",
    "The plot was good, but the characters are uncompelling and the dialog is not great.",
    "Today only kinda sux! But I'll get by, lol",
    "Make sure you :) or :D today!",
    "Catch utf-8 emoji such as 💘 and 💋 and 😁",
    "Not bad at all",
    "Sentiment analysis has never been this good!",
    "With VADER, sentiment analysis is the shit!",
    "On the other hand, VADER is quite bad ass",
    "Without a doubt, excellent idea.",
    "Roger Dodger is one of the least compelling variations on this theme.",
    "Export to Excel breaks on big reports.",
    "no no no good",
    "   ",
    "",
]


@pytest.mark.parametrize("text", EXAMPLES)
def test_examples_score_as_the_library_scores_them(text: str) -> None:
    assert FAST.polarity_scores(text) == LIBRARY.polarity_scores(text)


@settings(max_examples=2000)
@given(
    st.lists(st.sampled_from(RULE_WORDS), max_size=14),
    st.sampled_from([" ", "  ", ", ", "! ", "\n"]),
    st.sampled_from(["", "!", "!!!", "?", "???", " :)", " 😁"]),
)
def test_any_mix_of_rule_words_scores_as_the_library_scores_it(words: list[str], sep: str, end: str) -> None:
    text = sep.join(words) + end
    assert FAST.polarity_scores(text) == LIBRARY.polarity_scores(text)


@given(st.text(max_size=120))
def test_any_text_scores_as_the_library_scores_it(text: str) -> None:
    assert FAST.polarity_scores(text) == LIBRARY.polarity_scores(text)
