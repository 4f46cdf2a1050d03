import dataclasses
import hashlib
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from bot.features.pulse.anonymity import (
    Ballot,
    Invitation,
    ballot_segment,
    coarse_date,
    hash_token,
    new_ballot,
    new_invitation_token,
    shuffled_for_storage,
)


def test_ballot_has_no_field_that_names_a_person_or_invitation() -> None:
    ballot_fields = {field.name for field in dataclasses.fields(Ballot)}
    invitation_fields = {field.name for field in dataclasses.fields(Invitation)}
    assert ballot_fields & invitation_fields == {"run_id"}
    assert not any(
        word in name for name in ballot_fields for word in ("person", "user", "token", "invitation")
    )


def test_ballot_keeps_only_the_day() -> None:
    ballot = new_ballot("run-1", 9, None, datetime(2026, 3, 29, 9, 14, 3, tzinfo=UTC))
    assert ballot.answered_on == date(2026, 3, 29)
    assert not any(isinstance(getattr(ballot, field.name), datetime) for field in dataclasses.fields(Ballot))


def test_ballot_ids_are_random_and_do_not_give_the_order() -> None:
    when = datetime(2026, 3, 29, tzinfo=UTC)
    ids = [new_ballot("run-1", 9, None, when).id for _ in range(200)]
    assert len(set(ids)) == 200
    assert ids != sorted(ids)


def test_invitation_token_is_opaque_and_only_its_hash_is_kept() -> None:
    token, token_hash = new_invitation_token()
    assert len(token) >= 40
    assert token_hash == hashlib.sha256(token.encode()).hexdigest() == hash_token(token)
    assert token not in token_hash
    assert new_invitation_token()[0] != token


def test_coarse_date_is_the_utc_day() -> None:
    assert coarse_date(datetime(2026, 1, 1, 23, 30, tzinfo=timezone(timedelta(hours=-5)))) == date(2026, 1, 2)
    with pytest.raises(ValueError, match="timezone-aware"):
        coarse_date(datetime(2026, 1, 1))


def test_small_segment_does_not_label_its_ballots() -> None:
    assert ballot_segment("design", segment_audience=2, threshold=5) is None
    assert ballot_segment("engineering", segment_audience=40, threshold=5) == "engineering"
    assert ballot_segment(None, segment_audience=40, threshold=5) is None


def test_shuffled_for_storage_keeps_every_item_and_loses_the_order() -> None:
    items = list(range(100))
    orders = [shuffled_for_storage(items) for _ in range(3)]
    assert all(sorted(order) == items for order in orders)
    assert any(order != items for order in orders)
