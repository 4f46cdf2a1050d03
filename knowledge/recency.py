"""Questions about what changed: "what's new", "latest release", "what changed last month"."""

from __future__ import annotations

import re

_ABOUT_CHANGES = re.compile(
    r"\b(what(?:'|’)?s new|what is new|new features?|latest|recent(?:ly)?|release(?:d|s)?|release notes|"
    r"change ?log|changed|changes|updates?|updated|new version|version \d)",
    re.IGNORECASE,
)


def asks_what_changed(question: str) -> bool:
    """Whether the question is about recent changes, so change logs may answer it."""
    return bool(_ABOUT_CHANGES.search(question))
