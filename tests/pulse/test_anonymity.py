import hashlib

import pytest

from bot.features.pulse.anonymity import (
    hash_token,
    labelled_segments,
    new_invitation_token,
    shuffled_for_storage,
)
from bot.features.pulse.sealing import BallotContents, BallotSeal, BallotUnreadable


def test_invitation_token_is_opaque_and_only_its_hash_is_kept() -> None:
    token, token_hash = new_invitation_token()
    assert len(token) >= 40
    assert token_hash == hashlib.sha256(token.encode()).hexdigest() == hash_token(token)
    assert token not in token_hash
    assert new_invitation_token()[0] != token


def test_a_segment_labels_its_ballots_only_when_its_answers_reach_the_threshold() -> None:
    answers = ["design"] * 2 + ["engineering"] * 5 + [None] * 3
    assert labelled_segments(answers, threshold=5) == {"engineering"}
    assert labelled_segments(["design"] * 4, threshold=5) == frozenset()


def test_shuffled_for_storage_keeps_every_item_and_loses_the_order() -> None:
    items = list(range(100))
    orders = [shuffled_for_storage(items) for _ in range(3)]
    assert all(sorted(order) == items for order in orders)
    assert any(order != items for order in orders)


def test_a_sealed_ballot_opens_only_with_its_key_and_run() -> None:
    seal = BallotSeal(b"a secret key of the deployment")
    contents = BallotContents(value="9", comment=None, segment="slack:C1")
    sealed = seal.seal(7, contents, free_text=False)
    assert seal.open(7, sealed) == contents
    with pytest.raises(BallotUnreadable):
        seal.open(8, sealed)
    with pytest.raises(BallotUnreadable):
        BallotSeal(b"another deployment's key").open(7, sealed)


def test_sealed_ballots_of_a_kind_all_have_one_length() -> None:
    seal = BallotSeal(b"a secret key of the deployment")
    scores = {len(seal.seal(1, BallotContents(str(n), None, None), free_text=False)) for n in range(11)}
    comments = {
        len(seal.seal(1, BallotContents(None, text, None), free_text=True))
        for text in (
            "ok",
            "The deploy process gets in the way " * 20,
            "é" * 2000,
            "\x01" * 2000,
            "\U0001f600" * 2000,
        )
    }
    assert len(scores) == 1 and len(comments) == 1


def test_ballots_left_unlabelled_are_never_fewer_than_the_threshold() -> None:
    # One design answer and three named people's would stand apart from engineering's five labelled ones.
    assert labelled_segments(["design"] + ["engineering"] * 5 + [None] * 3, threshold=5) == frozenset()
    # Hidden together with the smallest labelled segment, they reach the threshold; the larger one keeps its label.
    answers = ["design"] + ["engineering"] * 5 + ["sales"] * 7
    assert labelled_segments(answers, threshold=5) == {"sales"}
