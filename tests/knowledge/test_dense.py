"""The dense index and its fusion with the lexical ranking, without any endpoint: vectors are given."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pytest

from knowledge.decision import BIAS, DENSE_BIAS, DENSE_WEIGHTS, WEIGHTS, probability
from knowledge.dense import DenseIndex, normalised, vector_bytes, vector_from_bytes
from knowledge.index import LexicalIndex
from knowledge.retrieve import Fusion, Retriever, fuse_reciprocal_rank, fuse_weighted
from tests.knowledge.conftest import make_chunk

CHUNKS = [
    make_chunk("export", "Click Export to download your invoices as a CSV spreadsheet."),
    make_chunk("bank", "Banks ask you to renew your consent every 90 days; click Reconnect."),
    make_chunk("roles", "Each person gets one role, which decides their permissions."),
]
# Three directions, one per chunk: a question vector near (0, 1, 0) means "the bank one".
VECTORS = {"export": [1.0, 0.0, 0.0], "bank": [0.0, 1.0, 0.0], "roles": [0.0, 0.0, 1.0]}


def dense_index(vectors: dict[str, list[float]] = VECTORS) -> DenseIndex:
    return DenseIndex(CHUNKS, {key: normalised(v) for key, v in vectors.items()})


def test_most_similar_chunks_come_first_by_their_position_in_the_chunk_list() -> None:
    hits = dense_index().search([0.1, 0.9, 0.3], k=2)
    assert [p for p, _ in hits] == [1, 2]
    assert hits[0][1] == pytest.approx(0.9 / np.linalg.norm([0.1, 0.9, 0.3]), rel=1e-5)


def test_chunks_without_a_vector_are_never_found() -> None:
    index = dense_index({"export": [1.0, 0.0, 0.0], "roles": [0.0, 0.0, 1.0]})
    assert index.missing == 1
    assert [p for p, _ in index.search([0.0, 1.0, 0.0], k=3)] == [0, 2]


def test_a_question_vector_of_another_width_finds_nothing() -> None:
    assert dense_index().search([1.0, 0.0], k=3) == []
    assert dense_index().search([0.0, 0.0, 0.0], k=3) == []


def test_stored_vectors_are_unit_length_little_endian_float32() -> None:
    data = vector_bytes([3.0, 4.0])
    assert data == np.asarray([0.6, 0.8], dtype="<f4").tobytes()
    assert vector_from_bytes(data).tolist() == pytest.approx([0.6, 0.8])


def test_weighted_fusion_gives_first_in_both_rankings_the_full_score() -> None:
    lexical = np.asarray([4.0, 0.0, 2.0], dtype=np.float32)
    dense = np.asarray([0.9, 0.5, 0.1], dtype=np.float32)
    fused = fuse_weighted(lexical, dense, [0, 1, 2], dense_weight=0.5)
    assert fused[0] == pytest.approx(1.0)
    assert fused[1] == pytest.approx(0.5 * 0.5)  # half way in dense, no lexical match
    assert fused[2] == pytest.approx(0.5 * 0.5)  # half way in lexical, last in dense


def test_weighted_fusion_counts_a_chunk_without_a_vector_as_least_similar() -> None:
    fused = fuse_weighted(
        np.asarray([1.0, 1.0], dtype=np.float32), np.asarray([0.3, np.nan], dtype=np.float32), [0, 1]
    )
    assert fused[0] > fused[1]


def test_reciprocal_rank_fusion_rewards_agreement() -> None:
    fused = fuse_reciprocal_rank([0, 1, 2], [0, 2, 1])
    assert fused[0] == pytest.approx(1.0)
    assert fused[1] == pytest.approx(fused[2])
    assert fuse_reciprocal_rank([5], [6])[5] == pytest.approx(0.5)


@pytest.mark.parametrize("fusion", ["weighted", "rrf"])
def test_the_question_vector_finds_a_paraphrased_passage(fusion: Fusion, today: date) -> None:
    retriever = Retriever(LexicalIndex.build(CHUNKS), dense=dense_index(), fusion=fusion)
    question = "the lender keeps wanting my permission again"
    lexical = retriever.retrieve(question, 3, today=today)
    fused = retriever.retrieve(question, 3, today=today, query_vector=[0.0, 1.0, 0.2])
    assert [h.chunk.chunk_key for h in lexical.hits] == ["roles"]  # "permission" is all the words share
    assert [h.chunk.chunk_key for h in fused.hits][:2] in (["roles", "bank"], ["bank", "roles"])


@pytest.mark.parametrize("fusion", ["weighted", "rrf"])
def test_with_no_word_known_the_question_vector_alone_ranks(fusion: Fusion, today: date) -> None:
    retriever = Retriever(LexicalIndex.build(CHUNKS), dense=dense_index(), fusion=fusion)
    fused = retriever.retrieve("lender wants approval", 3, today=today, query_vector=[0.1, 1.0, 0.3])
    assert [h.chunk.chunk_key for h in fused.hits] == ["bank", "roles", "export"]
    assert not fused.answerable


def test_with_a_question_vector_the_dense_weight_set_decides(today: date) -> None:
    retriever = Retriever(LexicalIndex.build(CHUNKS), dense=dense_index())
    lexical = retriever.retrieve("how do I export invoices", 3, today=today)
    fused = retriever.retrieve("how do I export invoices", 3, today=today, query_vector=[0.6, 0.8, 0.0])
    assert lexical.evidence is not None and fused.evidence is not None
    assert lexical.evidence.dense_similarity is None
    assert lexical.confidence == probability(lexical.evidence, WEIGHTS, BIAS)
    # The closest chunk in meaning is the bank one (0.8), whichever chunk the words found.
    assert fused.evidence.dense_similarity == pytest.approx(0.8)
    assert replace(fused.evidence, dense_similarity=None) == lexical.evidence
    assert fused.confidence == probability(fused.evidence, DENSE_WEIGHTS, DENSE_BIAS)


def test_the_same_words_are_answered_more_surely_when_a_passage_is_close_in_meaning(today: date) -> None:
    retriever = Retriever(LexicalIndex.build(CHUNKS), dense=dense_index())
    near = retriever.retrieve("how do I export invoices", 3, today=today, query_vector=[1.0, 0.0, 0.0])
    far = retriever.retrieve("how do I export invoices", 3, today=today, query_vector=[1.0, 1.0, 1.0])
    assert near.evidence is not None and far.evidence is not None
    assert near.evidence.dense_similarity == pytest.approx(1.0)
    assert far.evidence.dense_similarity == pytest.approx(3**-0.5)
    assert near.confidence > far.confidence


def test_without_chunk_vectors_a_question_vector_changes_nothing(today: date) -> None:
    retriever = Retriever(LexicalIndex.build(CHUNKS), dense=DenseIndex(CHUNKS, {}))
    lexical = retriever.retrieve("renew consent", 3, today=today)
    assert retriever.retrieve("renew consent", 3, today=today, query_vector=[0.0, 1.0, 0.0]) == lexical


def test_without_a_usable_question_vector_the_ranking_is_lexical(today: date) -> None:
    retriever = Retriever(LexicalIndex.build(CHUNKS), dense=dense_index())
    lexical = retriever.retrieve("renew consent", 3, today=today)
    odd = retriever.retrieve("renew consent", 3, today=today, query_vector=[1.0, 0.0])
    assert odd == lexical
