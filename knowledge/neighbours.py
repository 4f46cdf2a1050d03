"""Everyday English words and the words nearest them in meaning ("mailbox": "inbox", "mail").

A question's word may be asked in other words the documents use: the decision counts a word as covered where
one of its neighbours stands ("fee" where the page says "charge"), and for a word no document has the index
searches through the neighbours the documents have. Names
("salesforce", "heatmap") are not in the list, so they still count against an answer. The list is made by
bench/make_neighbours.py from embeddings of single words, so a neighbour may be a related word, even an
opposite ("allow": "prohibits"): evidence the page speaks of the same thing, weaker than the word itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path

NEIGHBOURS_FILE = Path(__file__).with_name("english_neighbours.txt")


@cache
def english_neighbours() -> Mapping[str, tuple[str, ...]]:
    """Each everyday English word that has near neighbours, with them, closest first."""
    lines = NEIGHBOURS_FILE.read_text(encoding="utf-8").splitlines()
    return {
        word: tuple(near)
        for word, *near in (line.split() for line in lines if line and not line.startswith("#"))
    }
