"""The lexical index: field weights, stemming, stop words, and odd input."""

from __future__ import annotations

from knowledge.index import LexicalIndex
from knowledge.neighbours import english_neighbours
from knowledge.text import Tokenizer
from tests.knowledge.conftest import make_chunk


def test_title_match_outranks_a_body_only_match() -> None:
    index = LexicalIndex.build(
        [
            make_chunk("body", "You can also mention invoices here among many other words about plans."),
            make_chunk("title", "How to get a copy of past payments.", doc_title="Invoices"),
        ]
    )
    assert index.search("invoices", 2)[0].chunk.chunk_key == "title"


def test_heading_match_outranks_a_body_only_match() -> None:
    index = LexicalIndex.build(
        [
            make_chunk("body", "The refund is mentioned once in a long text about plans and payments."),
            make_chunk("heading", "Contact billing within thirty days.", heading_path=("Refund",)),
        ]
    )
    assert index.search("refund", 2)[0].chunk.chunk_key == "heading"


def test_stemming_matches_other_forms_of_a_word() -> None:
    index = LexicalIndex.build([make_chunk("export", "Exporting reports to spreadsheets")])
    hits = index.search("how do I export a report", 5)
    assert [h.chunk.chunk_key for h in hits] == ["export"]
    assert hits[0].coverage == 1.0


def test_stop_words_alone_match_nothing() -> None:
    index = LexicalIndex.build([make_chunk("a", "What is it and how does it work")])
    assert index.search("what is the", 5) == []


def test_unknown_terms_lower_coverage() -> None:
    index = LexicalIndex.build([make_chunk("a", "Export reports"), make_chunk("b", "Invite teammates")])
    (hit,) = index.search("export to salesforce", 5)
    assert 0 < hit.coverage < 0.5


def test_search_on_an_empty_index_returns_nothing() -> None:
    assert LexicalIndex.build([]).search("anything", 5) == []


def test_k_limits_the_hits_and_scores_descend() -> None:
    index = LexicalIndex.build([make_chunk(str(i), "report " * (i + 1) + "filler " * 10) for i in range(10)])
    hits = index.search("report", 3)
    assert len(hits) == 3
    assert hits[0].score >= hits[1].score >= hits[2].score


def test_tokenizer_folds_case_and_unicode_and_drops_stop_words() -> None:
    tok = Tokenizer()
    assert tok.terms("The ＥＸＰＯＲＴ of Reports") == ["export", "report"]
    assert tok.terms("") == []
    assert tok.terms("🙂🙂 \u200b\x00") == []


def test_everyday_words_reach_product_vocabulary_through_aliases() -> None:
    index = LexicalIndex.build(
        [
            make_chunk(
                "reset", "Reset your site data to start counting from zero.", doc_title="Reset site data"
            ),
            make_chunk("other", "Change the colour of the dashboard.", doc_title="Appearance"),
        ]
    )
    (hit,) = index.search("wipe site data", 5)
    assert hit.chunk.chunk_key == "reset"
    assert hit.coverage == 1.0


def test_a_word_no_document_has_is_searched_through_its_everyday_neighbours() -> None:
    inbox = make_chunk("inbox", "Weekly reports land in your inbox.", doc_title="Email reports")
    colour = make_chunk("colour", "Change the colour of the dashboard.", doc_title="Appearance")
    mailbox = make_chunk("mailbox", "Set the mailbox invoices are sent from.", doc_title="Sender")
    assert [h.chunk.chunk_key for h in LexicalIndex.build([inbox, colour]).search("mailbox", 5)] == ["inbox"]
    # A word the documents use is searched as itself only; a name has no neighbours.
    assert [h.chunk.chunk_key for h in LexicalIndex.build([inbox, mailbox]).search("mailbox", 5)] == [
        "mailbox"
    ]
    assert LexicalIndex.build([inbox, colour]).search("salesforce", 5) == []


def test_numbers_days_and_months_stand_for_themselves() -> None:
    # Their nearest words in meaning are their siblings: "thirty days" is not "twenty days".
    neighbours = english_neighbours()
    assert "inbox" in neighbours["mailbox"]
    assert {"thirty", "monday", "january"}.isdisjoint(neighbours)
    assert not any({"twenty", "tuesday", "december"} & set(near) for near in neighbours.values())


def test_misspelt_word_is_read_as_the_word_the_documents_use() -> None:
    index = LexicalIndex.build(
        [
            make_chunk("dashboard", "Share the dashboard with a private link."),
            make_chunk("billing", "Invoices are emailed every month."),
        ]
    )
    hits = index.search("share the dashbaord", 5)
    assert [h.chunk.chunk_key for h in hits] == ["dashboard"]
    assert hits[0].coverage == 1.0


def test_a_joined_word_is_read_as_the_two_words_the_documents_write_apart() -> None:
    index = LexicalIndex.build(
        [
            make_chunk("reports", "The cash-flow forecast looks 90 days ahead."),
            make_chunk("billing", "Invoices are emailed every month."),
        ]
    )
    assert [h.chunk.chunk_key for h in index.search("cashflow", 5)] == ["reports"]


def test_a_joined_word_the_documents_never_write_side_by_side_stays_unknown() -> None:
    # "sales" and "force" are both on the page, but never together: "salesforce" is a name the docs lack.
    index = LexicalIndex.build(
        [make_chunk("team", "Sales teams see every invoice. An admin can force a resend.")]
    )
    assert index.search("salesforce", 5) == []


def test_real_word_no_document_has_stays_unknown() -> None:
    # "clarity" is one letter from "clarify", but it is a word: a question about it is out of scope.
    index = LexicalIndex.build([make_chunk("faq", "We clarify the export settings here.")])
    assert index.search("clarity", 5) == []


def test_short_unknown_words_are_not_guessed() -> None:
    index = LexicalIndex.build([make_chunk("tls", "Every request uses https.")])
    assert index.search("httpd", 5) == []


def test_a_short_word_with_two_letters_swapped_is_read_as_the_word_meant() -> None:
    index = LexicalIndex.build(
        [
            make_chunk("pause", "Pause a recurring invoice to skip the next ones."),
            make_chunk("export", "Export invoices as CSV."),
        ]
    )
    assert index.query_terms("pasue").terms == index.query_terms("pause").terms
    # "cna" is "can", a stop word: nothing left of it counts against the question.
    assert index.query_terms("cna we export invoices").terms == index.query_terms("export invoices").terms
    # Swapped back two ways, each a stop word ("hwo": "how", "who"): dropped either way.
    assert index.query_terms("hwo do I export").terms == index.query_terms("export").terms


def test_contractions_make_no_words_of_their_own() -> None:
    words = Tokenizer().words(
        "Where's the button? I've looked; it doesn't show, and we'd like the company's logo"
    )
    assert words == ["button", "looked", "show", "company", "logo"]
