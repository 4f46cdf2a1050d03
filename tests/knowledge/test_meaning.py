"""A question and a passage read as the sum of their words' vectors: close when they say the same in other words."""

from __future__ import annotations

import pytest

from knowledge.meaning import Meaning, closeness, word_vectors
from knowledge.text import Tokenizer


def meaning_of(text: str) -> Meaning | None:
    tokenizer = Tokenizer()
    return word_vectors().meaning(tokenizer.words(text), tokenizer.stem)


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
    held = {
        page: closeness(meaning_of(question), meaning_of(page))
        for page in [page_saying_it_otherwise, *others]
    }
    assert max(held, key=held.__getitem__) == page_saying_it_otherwise


def test_a_rare_word_weighs_more_than_an_everyday_one() -> None:
    vectors = word_vectors()
    assert vectors.weights[vectors.rows["refund"]] > 1.5 * vectors.weights[vectors.rows["back"]]


def test_a_question_of_names_alone_is_as_close_as_the_share_of_them_a_passage_says() -> None:
    question = meaning_of("graphql?")
    assert closeness(question, meaning_of("Send GraphQL queries and subscriptions")) > 0.5
    assert closeness(question, meaning_of("Send REST requests and read the response")) == 0.0


def test_a_text_of_stop_words_alone_has_no_meaning() -> None:
    assert meaning_of("what is it?") is None
    assert closeness(None, meaning_of("refund")) == 0.0
