"""Webhook bodies: one object, an array or JSON Lines, accepted whole or refused naming the bad line."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.feedback_formats import FeedbackBodyError, read_body
from bot.core.records import RecordRefused
from bot.customer_voice.items import FeedbackItem
from bot.features.feedback.batches import items_of


def parse_body(raw: bytes, content_type: str | None, now: datetime | None = None) -> list[FeedbackItem]:
    """What the webhook takes of a body: the format's records, each validated by the feedback feature."""
    return items_of(read_body(raw, content_type), now)


def item(n: int, **fields: object) -> dict[str, object]:
    return {"id": f"r{n}", "source": "nps", "text": f"Comment number {n}", **fields}


def refusal(raw: bytes, content_type: str | None = "application/json") -> FeedbackBodyError | RecordRefused:
    with pytest.raises((FeedbackBodyError, RecordRefused)) as caught:
        parse_body(raw, content_type)
    error = caught.value
    assert isinstance(error, FeedbackBodyError | RecordRefused)
    return error


def test_one_object_is_one_item() -> None:
    items = parse_body(json.dumps(item(1)).encode(), "application/json")
    assert [i.id for i in items] == ["r1"]


def test_a_pretty_printed_object_is_one_item() -> None:
    assert [i.id for i in parse_body(json.dumps(item(1), indent=2).encode(), None)] == ["r1"]


def test_an_array_gives_its_items_in_order() -> None:
    raw = json.dumps([item(1), item(2), item(3)]).encode()
    assert [i.id for i in parse_body(raw, "application/json; charset=utf-8")] == ["r1", "r2", "r3"]


def test_json_lines_are_detected_even_when_labelled_json() -> None:
    raw = "\n".join(json.dumps(item(n)) for n in range(3)).encode()
    assert [i.id for i in parse_body(raw, "application/json")] == ["r0", "r1", "r2"]


def test_json_lines_skip_blank_lines_and_accept_crlf() -> None:
    raw = (json.dumps(item(1)) + "\r\n\r\n" + json.dumps(item(2)) + "\r\n").encode()
    assert [i.id for i in parse_body(raw, "application/x-ndjson")] == ["r1", "r2"]


def test_a_byte_order_mark_is_ignored() -> None:
    assert len(parse_body(b"\xef\xbb\xbf" + json.dumps(item(1)).encode(), None)) == 1


def test_a_malformed_line_is_named_with_its_number() -> None:
    raw = "\n".join([json.dumps(item(1)), json.dumps(item(2)), '{"id": "r3", "source": "nps",']).encode()
    error = refusal(raw)
    assert error.line == 3
    assert error.reason.startswith("malformed JSON")


def test_an_invalid_item_is_named_with_its_line_and_reason() -> None:
    raw = "\n".join(
        [json.dumps(item(1)), json.dumps(item(2, scale="nps", score=11)), json.dumps(item(3))]
    ).encode()
    error = refusal(raw)
    assert (error.line, error.reason) == (2, "score 11 is outside the nps scale 0-10")
    assert str(error) == "line 2: score 11 is outside the nps scale 0-10"


def test_an_invalid_array_element_is_named_by_the_line_it_starts_on() -> None:
    raw = ("[\n" + json.dumps(item(1)) + ",\n" + json.dumps({"id": "x", "source": "s"}) + "\n]").encode()
    error = refusal(raw)
    assert (error.line, error.reason) == (3, "missing text")


def test_a_broken_array_is_refused_with_a_line() -> None:
    error = refusal(("[\n" + json.dumps(item(1)) + "\n" + json.dumps(item(2)) + "\n]").encode())
    assert error.line == 3
    assert "expected ',' or ']'" in error.reason


def test_an_unclosed_array_is_refused() -> None:
    assert "not closed" in refusal(("[" + json.dumps(item(1))).encode()).reason


def test_a_malformed_single_object_names_the_line_of_the_fault() -> None:
    error = refusal(b'{\n  "id": "r1",\n  "source": "nps"\n  "text": "x"\n}')
    assert error.line == 4


def test_an_empty_body_or_array_is_refused() -> None:
    assert refusal(b"  \n").reason == "the body is empty"
    assert refusal(b"[]").reason == "the array holds no items"


def test_a_body_that_is_not_utf8_is_refused() -> None:
    assert refusal(b'{"id": "\xff"}').reason == "the body is not UTF-8 text"


def test_deep_nesting_is_refused_not_a_crash() -> None:
    assert "nested too deeply" in refusal(b"[" * 100_000).reason
    assert "nested too deeply" in refusal(b'{"a":' * 100_000).reason


def test_a_value_that_is_not_an_object_is_refused() -> None:
    assert refusal(b'"hello"').reason == "an item must be a JSON object, got a string"


@pytest.mark.parametrize("content_type", ["application/json", "application/x-ndjson"])
@pytest.mark.parametrize(
    ("escaped", "reason"),
    [
        (r"a\u0000b", "text contains a NUL character"),
        (r"a\ud800b", "text contains an invalid Unicode escape"),
        (r"a\\u0000b\u0000", "text contains a NUL character"),
    ],
)
def test_an_escape_no_database_can_store_is_refused_with_its_line(
    content_type: str, escaped: str, reason: str
) -> None:
    bad = '{"id": "r2", "source": "nps", "text": "' + escaped + '"}'
    raw = (json.dumps(item(1)) + "\n" + bad + "\n").encode()
    if content_type == "application/json":
        raw = b"[" + raw.replace(b"\n", b",\n", 1) + b"]"
    refused = refusal(raw, content_type)
    assert (refused.line, refused.reason) == (2, reason)


@pytest.mark.parametrize(
    "content_type", ["text/csv", "application/x-www-form-urlencoded", "multipart/form-data"]
)
def test_bodies_that_are_not_json_are_refused_by_content_type(content_type: str) -> None:
    assert "unsupported content type" in refusal(json.dumps(item(1)).encode(), content_type).reason


@given(st.binary(max_size=200))
def test_any_bytes_give_items_or_a_clear_refusal(raw: bytes) -> None:
    try:
        items = parse_body(raw, None)
    except (FeedbackBodyError, RecordRefused) as error:
        assert error.reason
        assert error.line is None or error.line >= 1
    else:
        assert items


@given(st.lists(st.sampled_from(["good", "bad", "blank"]), min_size=1, max_size=12))
def test_the_first_bad_line_is_the_one_named(kinds: list[str]) -> None:
    lines = [
        json.dumps(item(n)) if kind == "good" else "" if kind == "blank" else "{oops"
        for n, kind in enumerate(kinds)
    ]
    raw = "\n".join(lines).encode()
    if "bad" not in kinds:
        if "good" in kinds:
            assert len(parse_body(raw, "application/x-ndjson")) == kinds.count("good")
        return
    error = refusal(raw, "application/x-ndjson")
    assert error.line == kinds.index("bad") + 1


def test_items_without_a_time_take_the_given_now() -> None:
    now = datetime(2030, 1, 2, tzinfo=UTC)
    [one] = parse_body(json.dumps(item(1)).encode(), None, now=now)
    assert one.received_at == now
