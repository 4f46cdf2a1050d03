"""Ranking adjustments (votes, freshness) and the decision to decline."""

from __future__ import annotations

from datetime import date

from knowledge.index import LexicalIndex
from knowledge.retrieve import MAX_VOTE_BOOST, Retriever, vote_boost
from tests.knowledge.conftest import make_chunk

TWINS = [
    make_chunk("a", "Reset your password from the login page.", source="a.md", doc_title="Passwords"),
    make_chunk("b", "Reset your password from the login page.", source="b.md", doc_title="Passwords"),
]


def test_vote_boost_is_bounded_both_ways() -> None:
    assert vote_boost(0) == 0
    assert 0 < vote_boost(1) < vote_boost(10) <= MAX_VOTE_BOOST
    assert -MAX_VOTE_BOOST <= vote_boost(-1000) < 0


def test_helpful_votes_break_a_tie(today: date) -> None:
    index = LexicalIndex.build(TWINS)
    assert Retriever(index, {"b": 3}).retrieve("reset password", today=today).hits[0].chunk.chunk_key == "b"
    assert Retriever(index, {"a": -3}).retrieve("reset password", today=today).hits[0].chunk.chunk_key == "b"


def test_votes_do_not_lift_an_unrelated_chunk_over_a_real_match(today: date) -> None:
    index = LexicalIndex.build(
        [
            make_chunk("match", "Reset your password from the login page."),
            make_chunk("weak", "The login page shows the logo."),
        ]
    )
    hits = Retriever(index, {"weak": 1000}).retrieve("reset my password", today=today).hits
    assert hits[0].chunk.chunk_key == "match"


def test_verified_fresh_entry_wins_a_tie_over_a_stale_one(today: date) -> None:
    fresh = make_chunk("fresh", "Refunds within thirty days.", verified_on=date(2026, 11, 1), review_days=90)
    stale = make_chunk("stale", "Refunds within thirty days.", verified_on=date(2025, 1, 1), review_days=90)
    hits = Retriever(LexicalIndex.build([stale, fresh])).retrieve("refunds", today=today).hits
    assert [h.chunk.chunk_key for h in hits] == ["fresh", "stale"]


def test_question_with_a_term_no_document_holds_is_declined(today: date) -> None:
    index = LexicalIndex.build(
        [make_chunk("export", "Export your reports as CSV files from the dashboard.", doc_title="Export")]
    )
    retriever = Retriever(index)
    assert retriever.retrieve("how do I export reports to csv", today=today).answerable
    declined = retriever.retrieve("does it integrate with salesforce and hubspot crm", today=today)
    assert not declined.answerable


def test_nothing_matching_means_no_hits_and_no_answer(today: date) -> None:
    result = Retriever(LexicalIndex.build(TWINS)).retrieve("quantum entanglement", today=today)
    assert result.hits == [] and result.confidence == 0 and not result.answerable


def test_hits_hold_one_chunk_per_document(today: date) -> None:
    same_doc = [
        make_chunk(f"guide#{i}", f"Export reports part {i}.", source="guide.md", doc_title="Guide")
        for i in range(3)
    ]
    other = make_chunk("faq#0", "Export reports from the menu.", source="faq.csv", doc_title="FAQ")
    hits = Retriever(LexicalIndex.build([*same_doc, other])).retrieve("export reports", today=today).hits
    assert sorted(h.chunk.source for h in hits) == ["faq.csv", "guide.md"]
