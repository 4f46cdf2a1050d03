"""A question and a passage read as the sum of their words' vectors: close when they say the same in other words."""

from __future__ import annotations

import pytest

from knowledge.meaning import Meaning, similarity, word_vectors
from knowledge.text import Tokenizer


def meaning_of(text: str) -> Meaning | None:
    return word_vectors().meaning(Tokenizer().words(text))


@pytest.mark.parametrize(
    ("question", "page_saying_it_otherwise"),
    [
        ("how do I get my money back?", "Refunds are issued within thirty days of purchase."),
        (
            "invoices keep landing in my old personal inbox",
            "Change the billing email address in account settings.",
        ),
    ],
)
def test_a_page_saying_the_same_in_other_words_comes_out_closest(
    question: str, page_saying_it_otherwise: str
) -> None:
    others = ["Export your invoices as a ZIP of PDF files.", "Invite a teammate to your site."]
    closeness = {
        page: similarity(meaning_of(question), meaning_of(page))
        for page in [page_saying_it_otherwise, *others]
    }
    assert max(closeness, key=closeness.__getitem__) == page_saying_it_otherwise


def test_a_rare_word_weighs_more_than_an_everyday_one() -> None:
    vectors = word_vectors()
    assert vectors.weights[vectors.rows["refund"]] > 1.5 * vectors.weights[vectors.rows["back"]]


def test_a_name_the_word_list_lacks_has_no_meaning_here() -> None:
    assert meaning_of("hoppscotch northpine") is None
    assert similarity(None, meaning_of("refund")) == 0.0
