"""Near-duplicates: repeats of a recent item are found and counted onto the first one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.customer_voice.similarity import (
    NearDuplicateIndex,
    find_near_duplicate,
    jaccard,
    shingles,
    similar_note,
)

RECENTS = [
    ("r1", "Export to Excel breaks on big reports."),
    ("r2", "Love the new dashboard, it is so fast"),
    ("r3", "SSO login loops forever on Safari"),
]


def test_the_same_complaint_reworded_slightly_is_a_near_duplicate() -> None:
    for repeat in [
        "export to excel breaks on big reports!!",
        "Excel export breaks on big reports",
        "The export to Excel breaks on large reports",
    ]:
        match = find_near_duplicate(repeat, RECENTS)
        assert match is not None and match.id == "r1", repeat


def test_a_different_complaint_about_the_same_feature_is_not() -> None:
    assert find_near_duplicate("Export to Excel is slow", RECENTS) is None
    assert find_near_duplicate("Billing page shows the wrong currency", RECENTS) is None


def test_the_earliest_of_equally_similar_items_is_chosen() -> None:
    recents = [("first", "SSO login loops forever"), ("second", "SSO login loops forever")]
    match = find_near_duplicate("sso login loops forever", recents)
    assert match is not None and match.id == "first" and match.similarity == 1.0


def test_the_most_similar_item_wins_over_an_earlier_weaker_match() -> None:
    recents = [
        ("weak", "Export to Excel breaks on reports sometimes"),
        ("strong", "Export to Excel breaks on big reports"),
    ]
    match = find_near_duplicate("Export to Excel breaks on big reports", recents)
    assert match is not None and match.id == "strong"


def test_the_threshold_is_a_parameter() -> None:
    assert find_near_duplicate("Export to Excel is slow", RECENTS, threshold=0.2) is not None


def test_text_without_words_matches_nothing() -> None:
    assert find_near_duplicate("!!! ...", RECENTS) is None
    assert find_near_duplicate("the", [("a", "the")]) is None


def test_an_index_grows_as_items_arrive() -> None:
    index = NearDuplicateIndex()
    assert index.find("Export to Excel breaks on big reports") is None
    index.add("r1", "Export to Excel breaks on big reports")
    index.add("r1", "something else entirely")
    assert len(index) == 1
    match = index.find("export to excel breaks on big reports")
    assert match is not None and match.id == "r1"


def test_the_similar_note_reads_naturally() -> None:
    assert similar_note(11) == "and 11 similar this week"
    assert similar_note(1, "today") == "and 1 similar today"
    assert similar_note(0) == ""


@given(st.text(max_size=80), st.text(max_size=80))
def test_jaccard_is_symmetric_and_bounded(a: str, b: str) -> None:
    sa, sb = shingles(a), shingles(b)
    assert jaccard(sa, sb) == jaccard(sb, sa)
    assert 0.0 <= jaccard(sa, sb) <= 1.0
    if sa:
        assert jaccard(sa, sa) == 1.0


@given(st.text(min_size=1, max_size=80))
def test_any_text_with_words_finds_itself(text: str) -> None:
    match = find_near_duplicate(text, [("me", text)])
    assert (match is not None) == bool(shingles(text))


def test_a_large_index_still_finds_repeats_and_ignores_unrelated_items() -> None:
    index = NearDuplicateIndex(exact_limit=0)
    for n in range(300):
        index.add(f"noise{n}", f"Ticket {n}: the {n % 7} widget shows colour {n * 31} in view {n % 13}")
    index.add("target", "Export to Excel breaks on big reports")
    for repeat in ["export to excel breaks on big reports!!", "Excel export breaks on big reports"]:
        match = index.find(repeat)
        assert match is not None and match.id == "target", repeat
    assert index.find("SSO login loops forever on Safari") is None


def test_removed_and_pruned_items_are_no_longer_found() -> None:
    week_ago = datetime(2026, 11, 13, tzinfo=UTC)
    index = NearDuplicateIndex()
    index.add("old", "Export to Excel breaks on big reports", at=week_ago)
    index.add("new", "SSO login loops forever on Safari", at=week_ago + timedelta(days=6))
    assert index.prune(before=week_ago + timedelta(days=1)) == 1
    assert "old" not in index and index.find("Export to Excel breaks on big reports") is None
    index.remove("new")
    index.remove("unknown")
    assert len(index) == 0 and index.find("SSO login loops forever on Safari") is None
