"""Whether feedback is written in English: the sentiment lexicon (VADER) and the phrase finder are English, and
read other languages' words that look English as English ("support" in "le support est nul" is praise to them)."""

from __future__ import annotations

from bot.customer_voice.terms import letter_words, word_set

# Common words a text can hardly do without: English's, and other languages' that are no English words.
_ENGLISH = word_set(
    """
    the a an and or but is are was were be been to of in on at for with it this that i we you they my our
    your not do does did have has had can will would very so just
    """
)
_OTHER_LANGUAGES_BY_NAME = {
    "French": "le la les un une des du et est sont nous vous ils elle je ne pas très avec pour dans sur au aux ce"
    " cette mais ou qui que",
    "German": "der das dem des ein eine einen und ist sind wir ihr sie ich nicht kein keine sehr mit für auf zu bei"
    " aber oder dass",
    "Spanish, Portuguese, Italian": "el los las una unos y está están nosotros yo muy con por para pero lo su sus"
    " é não uma il della di che è sono",
}
_OTHER_LANGUAGES = word_set(" ".join(_OTHER_LANGUAGES_BY_NAME.values()))
# A text with fewer such words says too little to tell; it is taken as English.
_MIN_TELLING_WORDS = 2


def is_english(text: str) -> bool:
    """Whether the text reads as English: it has no more of other languages' common words than of English's."""
    words = letter_words(text)
    english = sum(w in _ENGLISH for w in words)
    other = sum(w in _OTHER_LANGUAGES for w in words)
    return other < _MIN_TELLING_WORDS or other <= english
