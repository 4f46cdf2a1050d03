"""A feedback item: what is accepted, what is refused, and how it is told."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.customer_voice.items import FeedbackItem, InvalidFeedback, parse_item

CONTRACT_EXAMPLE: dict[str, Any] = {
    "id": "resp-1041",
    "source": "nps-survey",
    "received_at": "2026-11-20T09:14:00Z",
    "scale": "nps",
    "score": 3,
    "text": "Export to Excel breaks on big reports.",
    "customer": {"name": "Dana Reyes", "email": "dana@example.com", "account": "Northwind"},
    "product": "reports",
    "tags": ["export"],
}


def reason_for(obj: object) -> str:
    with pytest.raises(InvalidFeedback) as caught:
        parse_item(obj)
    return caught.value.reason


def test_contract_example_is_read_field_by_field() -> None:
    item = parse_item(CONTRACT_EXAMPLE)
    assert item == FeedbackItem(
        id="resp-1041",
        source="nps-survey",
        text="Export to Excel breaks on big reports.",
        received_at=datetime(2026, 11, 20, 9, 14, tzinfo=UTC),
        scale="nps",
        score=3,
        customer_name="Dana Reyes",
        customer_email="dana@example.com",
        account="Northwind",
        product="reports",
        tags=("export",),
        metadata={},
    )
    assert item.key == ("nps-survey", "resp-1041")


def test_only_id_source_and_text_are_required() -> None:
    item = parse_item({"id": "1", "source": "zendesk", "text": "Hello"})
    assert (item.scale, item.score, item.account, item.tags) == ("none", None, None, ())
    assert item.received_at.tzinfo is not None
    assert abs((datetime.now(UTC) - item.received_at).total_seconds()) < 60


@pytest.mark.parametrize("missing", ["id", "source", "text"])
def test_a_missing_required_field_is_named(missing: str) -> None:
    obj = {k: v for k, v in CONTRACT_EXAMPLE.items() if k != missing}
    assert reason_for(obj) == f"missing {missing}"


@pytest.mark.parametrize("blank", ["", "   "])
def test_blank_text_counts_as_missing(blank: str) -> None:
    assert reason_for({**CONTRACT_EXAMPLE, "text": blank}) == "missing text"


def test_an_item_without_a_time_takes_the_clocks_time() -> None:
    now = datetime(2030, 1, 2, 3, 4, tzinfo=UTC)
    assert parse_item({"id": "1", "source": "s", "text": "x"}, now).received_at == now


def test_unknown_fields_are_kept_as_metadata() -> None:
    item = parse_item({**CONTRACT_EXAMPLE, "plan": "enterprise", "customer": {"name": "D", "seat": 4}})
    assert item.metadata == {"plan": "enterprise", "customer": {"seat": 4}}


def test_numeric_ids_are_taken_as_strings() -> None:
    assert parse_item({**CONTRACT_EXAMPLE, "id": 1041}).id == "1041"


@pytest.mark.parametrize(
    ("scale", "score", "reason"),
    [
        ("nps", 11, "score 11 is outside the nps scale 0-10"),
        ("nps", -1, "score -1 is outside the nps scale 0-10"),
        ("csat", 0, "score 0 is outside the csat scale 1-5"),
        ("stars", 6, "score 6 is outside the stars scale 1-5"),
    ],
)
def test_a_score_outside_its_scale_is_refused_with_the_range(scale: str, score: int, reason: str) -> None:
    assert reason_for({**CONTRACT_EXAMPLE, "scale": scale, "score": score}) == reason


def test_an_unknown_scale_is_refused_with_the_known_ones() -> None:
    assert (
        reason_for({**CONTRACT_EXAMPLE, "scale": "ces"})
        == "unknown scale 'ces'; use nps, csat, stars or none"
    )


def test_a_score_needs_a_scale() -> None:
    obj = {k: v for k, v in CONTRACT_EXAMPLE.items() if k != "scale"}
    assert reason_for(obj) == "score 3 needs a scale: nps, csat or stars"


@pytest.mark.parametrize(("raw", "score"), [(9, 9), (9.0, 9), ("9", 9), (" 9 ", 9)])
def test_whole_number_scores_are_accepted_in_any_spelling(raw: object, score: int) -> None:
    assert parse_item({**CONTRACT_EXAMPLE, "score": raw}).score == score


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (7.5, "score 7.5 is not a whole number"),
        ("high", "score 'high' is not a whole number"),
        (True, "score must be a whole number, got a boolean"),
        ([3], "score must be a whole number, got an array"),
    ],
)
def test_scores_that_are_not_whole_numbers_are_refused(raw: object, reason: str) -> None:
    assert reason_for({**CONTRACT_EXAMPLE, "score": raw}) == reason


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("text", 42, "text must be a string, got a number"),
        ("source", ["a"], "source must be a string, got an array"),
        ("id", True, "id must be a string, got a boolean"),
        ("customer", "Dana", "customer must be an object, got a string"),
        ("tags", [1], "tags must be a list of strings, found a number"),
        ("product", {"a": 1}, "product must be a string, got an object"),
    ],
)
def test_wrong_types_are_refused_with_the_field_and_type(field: str, value: object, reason: str) -> None:
    assert reason_for({**CONTRACT_EXAMPLE, field: value}) == reason


def test_an_item_that_is_not_an_object_is_refused() -> None:
    assert reason_for([1, 2]) == "an item must be a JSON object, got an array"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-11-20T09:14:00Z", datetime(2026, 11, 20, 9, 14, tzinfo=UTC)),
        ("2026-11-20T10:14:00+01:00", datetime(2026, 11, 20, 9, 14, tzinfo=UTC)),
        ("2026-11-20 09:14", datetime(2026, 11, 20, 9, 14, tzinfo=UTC)),
        ("2026-11-20", datetime(2026, 11, 20, tzinfo=UTC)),
        (1_795_000_000, datetime.fromtimestamp(1_795_000_000, UTC)),
    ],
)
def test_received_at_becomes_aware_utc(raw: object, expected: datetime) -> None:
    received = parse_item({**CONTRACT_EXAMPLE, "received_at": raw}).received_at
    assert received == expected
    assert received.utcoffset() is not None and received.utcoffset().total_seconds() == 0  # type: ignore[union-attr]


@pytest.mark.parametrize("raw", ["yesterday", "2026-13-01", "20/11/2026", True, [2026]])
def test_a_bad_received_at_is_refused(raw: object) -> None:
    assert reason_for({**CONTRACT_EXAMPLE, "received_at": raw}).startswith("received_at")


def test_tags_are_trimmed_and_deduplicated() -> None:
    assert parse_item({**CONTRACT_EXAMPLE, "tags": [" export ", "export", "", "billing"]}).tags == (
        "export",
        "billing",
    )


@given(st.dictionaries(st.text(max_size=8), st.none() | st.booleans() | st.integers() | st.text(max_size=8)))
def test_any_json_object_is_either_an_item_or_a_clear_refusal(obj: dict[str, object]) -> None:
    try:
        item = parse_item(obj)
    except InvalidFeedback as error:
        assert error.reason
    else:
        assert item.id and item.source and item.text


def test_text_no_database_can_store_is_refused_with_the_field() -> None:
    assert reason_for({**CONTRACT_EXAMPLE, "text": "a\x00b"}) == "text contains a NUL character"
    assert reason_for({**CONTRACT_EXAMPLE, "extra": {"note": "\ud800"}}) == (
        "extra.note contains an invalid Unicode escape"
    )


_MINIMAL = {"id": "1", "source": "s", "text": "x"}


def test_a_time_further_ahead_than_a_day_is_refused() -> None:
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    with pytest.raises(InvalidFeedback, match="received_at 9999-12-31T23:59:59"):
        parse_item({**_MINIMAL, "received_at": "9999-12-31T23:59:59Z"}, now)
    ahead_by_an_hour = parse_item({**_MINIMAL, "received_at": "2026-11-25T13:00:00Z"}, now)
    assert ahead_by_an_hour.received_at == datetime(2026, 11, 25, 13, 0, tzinfo=UTC)


def test_more_tags_than_an_item_may_carry_are_refused() -> None:
    with pytest.raises(InvalidFeedback, match="at most 50 tags, this one 100000"):
        parse_item({**_MINIMAL, "tags": [f"t{i}" for i in range(100_000)]})
    kept = parse_item({**_MINIMAL, "tags": ["export", " export ", "billing", ""]})
    assert kept.tags == ("export", "billing")
