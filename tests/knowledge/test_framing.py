"""Whether to answer rests on what a question is about, not on the context, roles or politeness around it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from knowledge.framing import acted_on, asking_part
from knowledge.index import LexicalIndex
from knowledge.ingest import discover, load_file
from knowledge.retrieve import Retriever
from knowledge.text import Tokenizer
from tests.knowledge.conftest import CORPORA, load_gold

COMPANY = CORPORA["company"]
TODAY = date(2026, 11, 25)
FRAMES = (
    "a customer asked me {q}",
    "quick question from our bookkeeper: {q}",
    "hey, sorry to bother you, {q}",
    "one of our clients is wondering {q}",
    "I'm trying to figure out for a colleague {q}",
)


def _retriever(folder: Path) -> Retriever:
    files = [f for f in discover([folder]) if f.path.suffix != ".py"]
    return Retriever(LexicalIndex.build([c for f in files for c in load_file(f.path, f.root).chunks]))


@pytest.mark.parametrize(
    "question",
    [
        "how much is the growth plan?",
        "what does the growth plan cost?",
        "a customer on the growth plan asked me how much it costs per month",
        "our bookkeeper needs to know whether we can export invoices to csv",
    ],
)
def test_plainly_worded_and_context_first_questions_are_answered(question: str) -> None:
    result = _retriever(COMPANY).retrieve(question, today=TODAY)
    assert result.answerable, (question, result.confidence)


@pytest.mark.parametrize(
    "question",
    ["does northpine integrate with salesforce?", "a customer asked me whether there is a heatmap of clicks"],
)
def test_questions_about_what_no_page_names_are_declined(question: str) -> None:
    result = _retriever(COMPANY).retrieve(question, today=TODAY)
    assert not result.answerable, (question, result.confidence)


@pytest.mark.parametrize(
    ("plain", "in_chat"),
    [
        ("what does the growth plan cost?", "lol what does the growth plan cost vs the others?"),
        ("can we export invoices to csv?", "btw fyi, can we export invoices to csv asap?"),
    ],
)
def test_chat_shorthand_weighs_no_more_than_the_words_around_it(plain: str, in_chat: str) -> None:
    retriever = _retriever(COMPANY)
    asked_plainly = retriever.retrieve(plain, today=TODAY)
    asked_in_chat = retriever.retrieve(in_chat, today=TODAY)
    assert asked_plainly.answerable and asked_in_chat.answerable, asked_in_chat.confidence


def test_framing_a_gold_question_does_not_turn_an_answer_into_a_decline(corpus: Path) -> None:
    retriever = _retriever(corpus)
    answered = [
        g["question"].rstrip("?")
        for g in load_gold()
        if g["relevant"] and retriever.retrieve(g["question"], today=TODAY).answerable
    ]
    kept = [
        retriever.retrieve(frame.format(q=q), today=TODAY).answerable for q in answered for frame in FRAMES
    ]
    assert sum(kept) / len(kept) >= 0.95


@pytest.mark.parametrize(
    ("message", "asking"),
    [
        (
            "User on hoppscotch.io says the import keeps failing. Is there a size cap?",
            "is there a size cap?",
        ),
        (
            "we're still on PG 12, which postgres versions are supported?",
            "which postgres versions are supported?",
        ),
        ("helm chart on EKS - what values give an ALB ingress?", "what values give an alb ingress?"),
        ("ops is sizing a VM.\nminimum CPU/RAM?", "minimum cpu/ram?"),
    ],
)
def test_the_part_of_a_message_that_asks_is_told_from_its_context(message: str, asking: str) -> None:
    assert asking_part(message) == asking


@pytest.mark.parametrize(
    "message",
    [
        "how much is the growth plan?",
        "a customer on the growth plan asked me how much it costs per month",
        "can I export invoices? and can I export them as PDF?",
        "Thanks. Great docs.",
    ],
)
def test_a_message_of_one_part_or_only_questions_has_no_context_to_set_apart(message: str) -> None:
    assert asking_part(message) is None


@pytest.mark.parametrize(
    ("question", "acted_on_people"),
    [
        ("how do I add a user?", {"user"}),
        ("can a bookkeeper invite new people to the company account?", {"people"}),
        ("deleting the customer's data: how?", {"customer"}),
        ("a user says exports fail", set()),
        ("enterprise prospect asks about SSO", set()),
        ("can I export invoices for a customer?", set()),
        ("what time are invoices created? customer says theirs came late", set()),
    ],
)
def test_the_people_a_question_acts_on_are_its_topic_not_its_framing(
    question: str, acted_on_people: set[str]
) -> None:
    assert acted_on(question, Tokenizer().stem) == acted_on_people


def test_a_question_about_adding_people_is_not_answered_from_a_page_that_only_adds_something_else() -> None:
    # The card-payments FAQ says "Northpine adds nothing": "user" must count, and no page about cards has it.
    result = _retriever(COMPANY).retrieve("how do I add a user?", today=TODAY)
    assert not (result.answerable and result.hits[0].chunk.source == "faq.csv"), result.confidence
