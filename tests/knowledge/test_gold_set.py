"""Quality floors on the gold set over the shared corpus, and odd questions that must not crash."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from knowledge.answer import compose_extractive
from knowledge.index import LexicalIndex
from knowledge.ingest import discover, load_file
from knowledge.retrieve import Retriever
from tests.knowledge.conftest import BLIND_SETS, CORPORA, CORPUS_SKIP, DATA, GOLD, load_gold


def corpus_retriever(corpus: Path) -> Retriever:
    chunks = [
        c
        for f in discover([corpus])
        if f.path.name not in CORPUS_SKIP
        for c in load_file(f.path, f.root).chunks
    ]
    return Retriever(LexicalIndex.build(chunks))


def test_gold_set_is_large_and_about_fifteen_percent_unanswerable() -> None:
    gold = load_gold()
    unanswerable = [g for g in gold if not g["relevant"]]
    assert len(gold) >= 110
    assert 0.12 <= len(unanswerable) / len(gold) <= 0.20


def recall_at_5(retriever: Retriever, answerable: list[dict[str, Any]], today: date) -> float:
    """Share of the questions with a relevant source among the top 5 hits."""
    found = sum(
        any(h.chunk.source in g["relevant"] for h in retriever.retrieve(g["question"], 5, today=today).hits)
        for g in answerable
    )
    return found / len(answerable)


def test_gold_set_quality_floors(corpus: Path, today: date) -> None:
    retriever = corpus_retriever(corpus)
    gold = load_gold()
    answerable = [g for g in gold if g["relevant"]]
    unanswerable = [g for g in gold if not g["relevant"]]
    declined = sum(not retriever.retrieve(g["question"], 5, today=today).answerable for g in unanswerable)
    assert recall_at_5(retriever, answerable, today) >= 0.90
    # 0.75: the decision is fitted on questions generated over three corpora, no longer on this set (0.85
    # then); it answers more of what blind sets ask (bench/README.md, "Answers: the decision").
    assert declined / len(unanswerable) >= 0.75


@pytest.mark.parametrize("question_set", BLIND_SETS, ids=lambda p: p.stem)
def test_recall_floor_holds_on_the_sets_written_blind(corpus: Path, today: date, question_set: Path) -> None:
    # Their decline rates sit below the gold set's floor (README, "How answers are chosen"); recall does not.
    retriever = corpus_retriever(corpus)
    answerable = [g for g in load_gold(question_set) if g["relevant"]]
    assert len(answerable) >= 100
    assert recall_at_5(retriever, answerable, today) >= 0.90


@pytest.mark.parametrize("question_set", (GOLD, *BLIND_SETS), ids=lambda p: p.stem)
def test_every_relevant_source_exists_in_the_corpus(corpus: Path, question_set: Path) -> None:
    for g in load_gold(question_set):
        for source in g["relevant"]:
            assert (corpus / source).is_file(), source


CHAT_SETS = sorted(DATA.glob("knowledge_chat_*.jsonl"))


@pytest.mark.parametrize("question_set", CHAT_SETS, ids=lambda p: p.stem)
def test_every_chat_set_line_names_its_corpus_and_pages_that_exist(question_set: Path) -> None:
    lines = load_gold(question_set)
    assert len(lines) >= 100
    for g in lines:
        root = CORPORA[g["corpus"]]
        if not root.is_dir():
            pytest.skip(f"corpus {root} is absent")
        for source in g["relevant"]:
            assert (root / source).is_file(), (question_set.name, source)


@pytest.mark.parametrize(
    "question",
    [
        "x" * 10_000,
        "how do I export " * 700,
        "¿Cómo exporto las estadísticas? 导出统计数据 🙂📈 \u200b\u202e",
        "\x00\x01\x02 export",
        "'; DROP TABLE knowledge_chunk; --",
    ],
)
def test_odd_questions_get_an_answer_or_a_decline(corpus: Path, today: date, question: str) -> None:
    retriever = corpus_retriever(corpus)
    result = retriever.retrieve(question, 5, today=today)
    answer = compose_extractive(question, result.hits if result.answerable else [], today=today)
    assert isinstance(answer.text, str) and answer.text
