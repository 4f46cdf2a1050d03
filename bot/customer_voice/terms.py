"""Words and phrases of feedback text: what it is about, without the filler."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

_TOKEN = re.compile(r"[^\W_]+(?:[.'’-][^\W_]+)*")
_LETTERS = re.compile(r"[^\W\d_]+")
_PHRASE_BREAK = re.compile(r"[.,;:!?()\[\]\"“”/\n]+")


def word_set(words: str) -> frozenset[str]:
    """The words of a list written as one string, separated by spaces or lines."""
    return frozenset(words.split())


def letter_words(text: str) -> list[str]:
    """The text's words of letters only, case-folded ("2fa" is "fa", "api_key" is "api" and "key")."""
    return _LETTERS.findall(text.casefold())


STOPWORDS = word_set(
    """a about above after again against all also am an and any are as at be because been before being
    below between both but by can cannot could did do does doing down during each even ever every few for
    from further get gets got had has have having he her here hers herself him himself his how i if in into
    is it its itself just let like me more most much my myself no nor not now of off on once only or other
    our ours ourselves out over own same she should so some still such than that the their theirs them
    themselves then there these they this those through to too under until up us very was we were what
    when where which while who whom why will with would you your yours yourself yourselves isn't aren't
    wasn't weren't don't doesn't didn't can't couldn't won't wouldn't shouldn't it's i'm i've we're we've
    you're they're that's there's what's let's i'd we'd ok okay yes yeah hi hello dear team guys thing
    things stuff lot lots bit way one two really quite pretty always never sometimes maybe please thanks
    thank time today yesterday tomorrow week day month year etc via per since using use used make made
    without within again already anymore though although around across instead else another many several
    whole able back going went come came take took getting gave give say said tell told know think seems
    seem look looks tried try trying"""
)
# Words that say how someone feels rather than what about: not themes, not specifics.
GENERIC_WORDS = word_set(
    """good great bad terrible awful awesome amazing excellent love loved loving hate hated nice fine
    poor best worst better worse happy unhappy sad angry frustrating frustrated annoying annoyed
    disappointed disappointing horrible fantastic perfect wonderful brilliant useless easy hard
    simple difficult product service app experience overall everything nothing something anything
    support recommend recommended keep work works working worked need needs want wants"""
)


BASE_SKIP = STOPWORDS | GENERIC_WORDS
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True, slots=True)
class TextTerms:
    """What a text is about, read in one pass: its tokens, meaningful words, phrases, and any figure."""

    tokens: tuple[str, ...]
    words: tuple[str, ...]
    phrases: tuple[str, ...]
    has_number: bool


def tokens(text: str) -> list[str]:
    """Lower-case word tokens; versions and numbers like 2.3.1 stay one token."""
    return [t.casefold().replace("’", "'") for t in _TOKEN.findall(text)]


def analyse(text: str, skip: Collection[str] = BASE_SKIP) -> TextTerms:
    """Tokens, meaningful words (3+ letters, no digits, not in `skip`) and key phrases of the text.

    Key phrases are runs of meaningful words between skipped words and punctuation ("big reports"),
    longest first, at most three words each.
    """
    all_tokens: list[str] = []
    words: list[str] = []
    phrases: list[str] = []
    number = False
    for chunk in _PHRASE_BREAK.split(text):
        run: list[str] = []
        for token in [*tokens(chunk), ""]:
            if token:
                all_tokens.append(token)
            digits = bool(token) and _DIGIT.search(token) is not None
            number = number or digits
            if token and not digits and token not in skip and len(token) >= 2:
                if len(token) >= 3:
                    words.append(token)
                run.append(token)
                continue
            if run and any(len(w) >= 3 for w in run):
                phrase = " ".join(run[-3:])
                if phrase not in phrases:
                    phrases.append(phrase)
            run = []
    phrases.sort(key=lambda p: -p.count(" "))
    return TextTerms(tuple(all_tokens), tuple(words), tuple(phrases), number)


def content_words(text: str, ignore: Collection[str] = frozenset()) -> list[str]:
    """Tokens that carry meaning: not stopwords, not generic sentiment, not numbers, 3+ letters."""
    return [
        t
        for t in tokens(text)
        if len(t) >= 3 and t not in BASE_SKIP and t not in ignore and _DIGIT.search(t) is None
    ]


def has_number(text: str) -> bool:
    """Whether the text gives a figure: an amount, a count, a version, a date."""
    return _DIGIT.search(text) is not None


def mentions(text: str, term: str, text_tokens: Collection[str] | None = None) -> bool:
    """Whether the text names the term as whole words, ignoring case.

    Pass the text's tokens (as a set) to check one-word terms without a regular expression.
    """
    words = term.casefold().split()
    if not words:
        return False
    if text_tokens is not None and len(words) == 1 and _TOKEN.fullmatch(words[0]):
        return words[0] in text_tokens
    pattern = r"(?<!\w)" + r"\s+".join(re.escape(w) for w in words) + r"(?!\w)"
    return re.search(pattern, text.casefold()) is not None
