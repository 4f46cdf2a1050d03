"""Feedback that asks for what the product lacks ("I wish I could export to PDF"): a request, not praise.

VADER scores "wish", "would love it if" and "would be great if" as positive words, so a customer asking for a
missing feature would read as praise; here the sentences that ask are told apart.
"""

from __future__ import annotations

import re

_ASKS_FOR = re.compile(
    r"\b(?:i|we)\s+(?:really\s+|just\s+|only\s+|do\s+)?wish\b"
    r"|^\W*(?:really\s+|just\s+)?wish\s+(?:it|you|there|the|this|that|i|we)\b"
    r"|\bif\s+only\b"
    r"|\b(?:would|['’]d)\s+(?:really\s+|so\s+)?(?:love|like|appreciate)\s+"
    r"(?:it\s+if|if|to\s+see|to\s+have|to\s+get|to\s+be\s+able)\b"
    r"|\b(?:would|['’]d)\s+be\s+(?:really\s+|so\s+|very\s+|super\s+)?"
    r"(?:nice|great|good|helpful|awesome|useful|amazing|lovely|cool|handy)\s+(?:if|to)\b"
    r"|\bplease\s+(?:add|make|let|allow|support|bring|build|include|consider)\b"
    r"|\b(?:can|could)\s+you\s+(?:please\s+)?(?:add|make|support|build|include|allow)\b"
    r"|\bany\s+chance\s+(?:you|we)\s+could\b"
    r"|\b(?:we|i)\s+(?:really\s+|badly\s+|urgently\s+)?need\s+(?:a|an|some|more|to\s+be\s+able)\b"
    r"|^\W*missing\b"
    r"|\bfeature\s+request\b",
    re.IGNORECASE,
)
# Substrings without one of which nothing asks (a cheap look before the pattern's).
_MARKS = (
    "wish",
    "if only",
    "would",
    "d love",
    "d like",
    "d be",
    "please",
    "you",
    "need",
    "missing",
    "request",
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


def split_requests(text: str) -> tuple[list[str], list[str]]:
    """The text's sentences that ask for something, and the others, each in order."""
    folded = text.casefold()
    if not any(mark in folded for mark in _MARKS):
        return [], [text]
    asking: list[str] = []
    others: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        if sentence.strip():
            (asking if _ASKS_FOR.search(sentence) else others).append(sentence)
    return asking, others
