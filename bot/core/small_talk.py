"""Chat that is not a question ("thanks!", "good morning", "ok cool"): answered in kind, never sent to experts.

Without this, every "ok cool" in the bot's DM would be a question nobody can answer: a post in the experts'
channel and a knowledge gap in the weekly digest.
"""

from __future__ import annotations

import re
from enum import Enum

# Longer messages are questions even when they start with thanks ("thanks, and how do I export invoices?").
MAX_SMALL_TALK_WORDS = 6

_WORD = re.compile(r"[^\W\d_]+")

_THANKS = "thanks thank thx ty tysm tks cheers appreciate appreciated merci danke gracias"
_GREETINGS = "hi hello hey hiya howdy morning afternoon evening"
# Words that only ever make up acknowledgements, reactions and pleasantries when nothing else is said.
_OTHERS = """
    ok okay k kk cool great nice lol lmao haha hah good awesome perfect got it sure yes yep yeah no nope bye
    you u so very much a lot all right alright fine wow amazing brilliant excellent super understood noted
    will do done makes sense that this works worked helps helped helpful thats job well again for the
"""
THANKS_WORDS = frozenset(_THANKS.split())
GREETING_WORDS = frozenset(_GREETINGS.split())
VOCABULARY = THANKS_WORDS | GREETING_WORDS | frozenset(_OTHERS.split())


class SmallTalk(Enum):
    """What kind of pleasantry a message is."""

    THANKS = "thanks"
    GREETING = "greeting"
    ACKNOWLEDGEMENT = "acknowledgement"


def small_talk(text: str) -> SmallTalk | None:
    """The kind of pleasantry a message is, or None when it may be a question."""
    words = _WORD.findall(text.lower())
    if not words or len(words) > MAX_SMALL_TALK_WORDS or not VOCABULARY.issuperset(words):
        return None
    if THANKS_WORDS.intersection(words):
        return SmallTalk.THANKS
    if GREETING_WORDS.intersection(words):
        return SmallTalk.GREETING
    return SmallTalk.ACKNOWLEDGEMENT
