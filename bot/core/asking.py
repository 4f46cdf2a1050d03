"""Whether a chat message asks something: its form, not its topic."""

from __future__ import annotations

import re

# What opens a question: a message that starts so or ends with "?" is one.
_QUESTION = re.compile(
    r"^\W*(how|what|what's|whats|why|when|where|who|which|can|could|does|do|did|is|are|was|should|would|will|"
    r"may|ask)\b",
    re.IGNORECASE,
)


def looks_like_a_question(text: str) -> bool:
    """Whether a message asks something (a question word first, or a question mark last)."""
    return text.rstrip().endswith("?") or bool(_QUESTION.match(text))


# What asks indirectly, anywhere in a message: "customer asking whether exports go to quickbooks", "our
# bookkeeper needs to know how long links last".
_ASKS_INDIRECTLY = re.compile(
    r"\b(how|what|what's|whats|why|when|where|who|which|whether|wondering|asking|asks|ask|know|is there|are there)\b",
    re.IGNORECASE,
)


def asks_anything(text: str) -> bool:
    """Whether a message asks something, outright or indirectly; a statement without any of it does not."""
    return looks_like_a_question(text) or bool(_ASKS_INDIRECTLY.search(text))
