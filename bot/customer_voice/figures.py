"""Figures of a set of feedback items: customer NPS and the themes they mention."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import snowballstemmer

from bot.customer_voice.items import FeedbackItem
from bot.customer_voice.placeholders import PLACEHOLDER_WORDS
from bot.customer_voice.redaction import redact
from bot.customer_voice.terms import content_words

THEMES = 5


@dataclass(frozen=True, slots=True)
class Theme:
    """A frequent tag or term and how many items mention it."""

    term: str
    count: int


def nps(items: Sequence[FeedbackItem]) -> int | None:
    """Customer NPS of the items on the NPS scale (%promoters - %detractors, rounded), None without any."""
    scores = [i.score for i in items if i.scale == "nps" and i.score is not None]
    if not scores:
        return None
    promoters = sum(s >= 9 for s in scores)
    detractors = sum(s <= 6 for s in scores)
    return round(100 * (promoters - detractors) / len(scores))


def top_themes(items: Sequence[FeedbackItem], limit: int = THEMES) -> list[Theme]:
    """Tags and meaningful words mentioned by at least two items, most frequent first.

    Words are read from the redacted text, so a customer's name or address never becomes a theme.
    """
    stemmer = snowballstemmer.stemmer("english")
    stems: dict[str, str] = {}
    counts: Counter[str] = Counter()
    shown: dict[str, Counter[str]] = {}
    for item in items:
        seen: set[str] = set()
        for tag in item.tags:
            key = "#" + tag.casefold()
            if key not in seen:
                seen.add(key)
                shown.setdefault(key, Counter())[tag] += 1
        for word in content_words(redact(item.text, item.customer_name), PLACEHOLDER_WORDS):
            key = stems.get(word) or stems.setdefault(word, stemmer.stemWord(word))
            if key not in seen and "#" + key not in seen:
                seen.add(key)
                shown.setdefault(key, Counter())[word] += 1
        counts.update(seen)
    frequent = [(key, n) for key, n in counts.items() if n >= 2]
    # Tags are chosen by people, so on a tie they come before words found in the text.
    frequent.sort(key=lambda kv: (-kv[1], not kv[0].startswith("#"), kv[0]))
    themes: list[Theme] = []
    names: set[str] = set()
    for key, n in frequent:
        name = shown[key].most_common(1)[0][0]
        if name.casefold() not in names:
            names.add(name.casefold())
            themes.append(Theme(name, n))
        if len(themes) == limit:
            break
    return themes


def themes(items: Sequence[FeedbackItem], limit: int = THEMES) -> list[tuple[str, int]]:
    """The items' top themes (tags and words of the redacted text) with their counts."""
    return [(theme.term, theme.count) for theme in top_themes(items, limit)]


def text_themes(texts: Sequence[str], limit: int = THEMES) -> list[tuple[str, int]]:
    """Top themes of plain texts (e.g. pulse answers), read the same way as feedback, redacted first."""
    items = [FeedbackItem(id=str(n), source="text", text=text) for n, text in enumerate(texts)]
    return themes(items, limit)
