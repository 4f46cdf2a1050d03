"""Imports: CSV exports with a column mapping, and JSON Lines files, one verdict per line."""

from __future__ import annotations

import codecs
import csv
import io
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.feedback_formats import InvalidMapping, parse_mapping
from adapters.feedback_formats import parse_csv as read_csv
from adapters.feedback_formats import parse_import as read_import
from bot.customer_voice.items import FeedbackItem, InvalidFeedback
from bot.features.feedback.reading import Verdict
from bot.features.feedback.reading import verdicts as validated


def parse_csv(text: str, mapping: dict[str, str] | None, source: str) -> list[tuple[int, Verdict]]:
    """What an import takes of a CSV export: the format's records, each validated by the feedback feature."""
    return list(validated(read_csv(text, mapping, source)))


def parse_import(raw: bytes, filename: str) -> list[tuple[int, Verdict]]:
    """What an import takes of a file: the format's records, each validated by the feedback feature."""
    return list(validated(read_import(raw, filename)))


SURVEY_EXPORT = (
    "Response ID,Date,NPS,Comment,Name,Email,Company,Product,Tags,Plan\n"
    "r-1,2026-11-20T09:14:00Z,3,Export to Excel breaks on big reports.,Dana Reyes,dana@example.com,"
    'Northwind,reports,"export, excel",enterprise\n'
    "r-2,2026-11-20T10:00:00Z,11,Way out of range,Sam,sam@example.com,Contoso,,,\n"
    'r-3,2026-11-21T08:00:00Z,10,"Love it,\nreally",Ana,ana@example.com,Fabrikam,,,pro\n'
    "r-4,2026-11-21T09:00:00Z,9,,Bo,bo@example.com,Fabrikam,,,\n"
)
SURVEY_MAP = (
    "text=Comment,score=NPS,id=Response ID,account=Company,email=Email,name=Name,"
    "received_at=Date,product=Product,tags=Tags"
)


def verdicts(
    text: str, spec: str | None = None, source: str = "survey"
) -> list[tuple[int, FeedbackItem | InvalidFeedback]]:
    return list(parse_csv(text, parse_mapping(spec) if spec else None, source))


def test_parse_mapping_reads_field_column_pairs() -> None:
    assert parse_mapping("text=Comment, score = NPS,id=Response ID") == {
        "text": "Comment",
        "score": "NPS",
        "id": "Response ID",
    }
    assert parse_mapping("customer_email=E-mail")["email"] == "E-mail"


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        ("txt=Comment", "unknown field 'txt'"),
        ("text", "'text' should look like field=Column"),
        ("text=", "field text has no column name"),
        ("text=A,text=B", "field text is mapped twice"),
        ("", "the mapping is empty"),
    ],
)
def test_a_bad_mapping_says_what_is_wrong(spec: str, reason: str) -> None:
    with pytest.raises(InvalidMapping) as caught:
        parse_mapping(spec)
    assert caught.value.reason.startswith(reason)


def test_a_survey_export_loads_with_its_mapping_and_reports_each_line() -> None:
    results = verdicts(SURVEY_EXPORT, SURVEY_MAP)
    assert [line for line, _ in results] == [2, 3, 4, 6]
    first = results[0][1]
    assert isinstance(first, FeedbackItem)
    assert (first.id, first.source, first.scale, first.score) == ("r-1", "survey", "nps", 3)
    assert (first.customer_name, first.customer_email, first.account) == (
        "Dana Reyes",
        "dana@example.com",
        "Northwind",
    )
    assert first.product == "reports" and first.tags == ("export", "excel")
    assert first.received_at == datetime(2026, 11, 20, 9, 14, tzinfo=UTC)
    assert first.metadata == {"Plan": "enterprise"}
    second = results[1][1]
    assert isinstance(second, InvalidFeedback)
    assert second.reason == "score 11 is outside the nps scale 0-10"
    third = results[2][1]
    assert isinstance(third, FeedbackItem) and third.text == "Love it,\nreally"
    fourth = results[3][1]
    assert isinstance(fourth, InvalidFeedback) and fourth.reason == "missing text"


def test_columns_named_like_our_fields_need_no_mapping() -> None:
    text = "id,text,Score,Scale,Account,customer_email\n7,Slow sync,2,csat,Acme,x@acme.test\n"
    [(line, item)] = verdicts(text)
    assert line == 2 and isinstance(item, FeedbackItem)
    assert (item.id, item.text, item.scale, item.score, item.account, item.customer_email) == (
        "7",
        "Slow sync",
        "csat",
        2,
        "Acme",
        "x@acme.test",
    )


def test_a_typeform_export_keeps_its_dates_and_ids_without_a_mapping() -> None:
    text = "Response ID,Date Submitted,Comment\nabc123,2026-11-20T09:14:00Z,Slow sync\n"
    [(_, item)] = verdicts(text)
    assert isinstance(item, FeedbackItem)
    assert (item.id, item.received_at) == ("abc123", datetime(2026, 11, 20, 9, 14, tzinfo=UTC))


def test_a_mapped_column_missing_from_the_file_is_refused_at_once() -> None:
    with pytest.raises(InvalidMapping) as caught:
        parse_csv("Comment,Score\nx,1\n", parse_mapping("text=Comment,score=NPS"), "s")
    assert "column 'NPS' is not in the file" in caught.value.reason


def test_a_file_without_a_text_column_is_refused_at_once_naming_the_columns_it_has() -> None:
    with pytest.raises(InvalidMapping, match="no text column among 'Kommentar', 'NPS'"):
        parse_csv("\ufeffKommentar;NPS\nGut;9\n", None, "s")


@pytest.mark.parametrize("not_answered", ["N/A", "n/a", "-", "none", "NaN"])
def test_a_score_cell_saying_not_answered_is_no_score(not_answered: str) -> None:
    [(_, verdict)] = parse_csv(f"text,NPS\nGreat tool,{not_answered}\n", None, "s")
    assert isinstance(verdict, FeedbackItem) and verdict.score is None and verdict.scale == "none"


def test_the_scale_is_told_by_the_score_column_name() -> None:
    [(_, item)] = verdicts("Comment,Stars\nNice,5\n", "text=Comment,score=Stars")
    assert isinstance(item, FeedbackItem) and (item.scale, item.score) == ("stars", 5)


@pytest.mark.parametrize(
    ("header", "scale"),
    [
        ("NPS", "nps"),
        ("CSAT score", "csat"),
        ("How likely are you to recommend us?", "nps"),
        ("Stars", "stars"),
    ],
)
def test_a_score_column_named_by_its_scale_is_read_without_a_mapping(header: str, scale: str) -> None:
    # Unread, every row's score was dropped and the import said only "accepted".
    [(_, item), (line, refused)] = parse_csv(f"comment,{header}\nNice,5\nMeh,11\n", None, "s")
    assert isinstance(item, FeedbackItem) and (item.scale, item.score) == (scale, 5)
    assert line == 3 and isinstance(refused, InvalidFeedback) and "outside the" in refused.reason


def test_two_columns_that_could_each_be_the_score_are_refused_at_once() -> None:
    with pytest.raises(InvalidMapping, match="'NPS', 'CSAT' could each be the score"):
        parse_csv("comment,NPS,CSAT\nNice,9,5\n", None, "s")
    [(_, item)] = parse_csv("comment,NPS,CSAT\nNice,9,5\n", {"score": "CSAT"}, "s")
    assert isinstance(item, FeedbackItem) and (item.scale, item.score) == ("csat", 5)


def test_rows_without_an_id_get_a_stable_one_so_reimports_are_duplicates() -> None:
    text = "Comment,Email\nSlow,a@b.test\nFast,c@d.test\n"
    first, second = verdicts(text), verdicts(text)
    ids = [v.id for _, v in first if isinstance(v, FeedbackItem)]
    assert ids == [v.id for _, v in second if isinstance(v, FeedbackItem)]
    assert len(set(ids)) == 2


def test_bom_semicolons_and_odd_unicode_in_headers_are_handled() -> None:
    text = '\ufeffCom\u200bment;NPS\u00a0;Name\n"Caf\u0065\u0301 export fails";2;Zoë\n'
    [(_, item)] = verdicts(text, "text=Comment,score=NPS,name=Name")
    assert isinstance(item, FeedbackItem)
    assert item.text == "Café export fails" and item.score == 2 and item.customer_name == "Zoë"


def test_blank_rows_are_skipped_and_line_numbers_stay_true() -> None:
    results = verdicts("text\n\nfirst\n,\nsecond\n")
    assert [(line, getattr(v, "text", None)) for line, v in results] == [(3, "first"), (5, "second")]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("20/11/2026", datetime(2026, 11, 20, tzinfo=UTC)),
        ("11/20/2026 09:14 PM", datetime(2026, 11, 20, 21, 14, tzinfo=UTC)),
        ("20.11.2026 09:14", datetime(2026, 11, 20, 9, 14, tzinfo=UTC)),
        ("2026-11-20T09:14:00+01:00", datetime(2026, 11, 20, 8, 14, tzinfo=UTC)),
    ],
)
def test_export_dates_in_common_forms_are_read(raw: str, expected: datetime) -> None:
    [(_, item)] = verdicts(f"Comment,Date\nok,{raw}\n", "text=Comment,received_at=Date")
    assert isinstance(item, FeedbackItem) and item.received_at == expected


def test_a_row_with_more_cells_than_the_header_is_refused_not_cut_short() -> None:
    # The comma in the comment was not quoted: read as it is, the comment would end at "Great product".
    results = verdicts("NPS,Comment\n9,Great product, but slow exports\n10,Fine\n", "score=NPS,text=Comment")
    (_, refused), (_, fine) = results
    assert isinstance(refused, InvalidFeedback)
    assert refused.reason.startswith("the row has 3 cells under a header of 2 (a text with an unquoted ','?")
    assert isinstance(fine, FeedbackItem) and fine.text == "Fine"


def test_an_ambiguous_date_is_refused_rather_than_guessed() -> None:
    [(_, refused)] = verdicts("Comment,Date\nok,05/06/2026\n", "text=Comment,received_at=Date")
    assert isinstance(refused, InvalidFeedback) and "ambiguous" in refused.reason
    assert "write it as 2026-06-05 or 2026-05-06 (year-month-day)" in refused.reason


@pytest.mark.parametrize(
    ("other", "expected"),
    [("20/11/2026", datetime(2026, 12, 5, tzinfo=UTC)), ("11/20/2026", datetime(2026, 5, 12, tzinfo=UTC))],
)
def test_an_ambiguous_date_takes_the_order_the_files_other_dates_show(other: str, expected: datetime) -> None:
    results = verdicts(f"Comment,Date\nfirst,{other}\nsecond,05/12/2026\n", "text=Comment,received_at=Date")
    [(_, second)] = [(line, item) for line, item in results if getattr(item, "text", "") == "second"]
    assert isinstance(second, FeedbackItem) and second.received_at == expected


def test_a_jsonl_import_reports_good_and_bad_lines() -> None:
    raw = b'{"id": "1", "source": "s", "text": "ok"}\n\n{"id": "2", "source": "s"}\n{broken\n'
    results = list(parse_import(raw, "feedback.jsonl"))
    assert [line for line, _ in results] == [1, 3, 4]
    assert isinstance(results[0][1], FeedbackItem)
    assert isinstance(results[1][1], InvalidFeedback) and results[1][1].reason == "missing text"
    assert isinstance(results[2][1], InvalidFeedback) and results[2][1].reason.startswith("malformed JSON")


def test_a_json_array_file_is_imported_item_by_item() -> None:
    raw = b'[\n{"id": "1", "source": "s", "text": "ok"},\n{"id": "2", "source": "s", "text": 5}\n]'
    results = list(parse_import(raw, "export.json"))
    assert [line for line, _ in results] == [2, 3]
    assert isinstance(results[1][1], InvalidFeedback)


def test_a_csv_import_takes_its_source_from_the_file_name() -> None:
    [(_, item)] = list(parse_import(b"text\nhello\n", "zendesk-export.csv"))
    assert isinstance(item, FeedbackItem) and item.source == "zendesk-export"


def test_utf16_and_windows_1252_files_are_decoded() -> None:
    utf16 = codecs.BOM_UTF16_LE + "text\nZoë liked it\n".encode("utf-16-le")
    [(_, item)] = list(parse_import(utf16, "a.csv"))
    assert isinstance(item, FeedbackItem) and item.text == "Zoë liked it"
    [(_, item)] = list(parse_import("text\nCafé ok\n".encode("cp1252"), "b.csv"))
    assert isinstance(item, FeedbackItem) and item.text == "Café ok"


def test_a_file_without_extension_is_told_by_its_content() -> None:
    [(_, item)] = list(parse_import(b'{"id": "1", "source": "s", "text": "ok"}\n', "upload"))
    assert isinstance(item, FeedbackItem) and item.id == "1"


@given(st.binary(max_size=300), st.sampled_from(["a.csv", "a.jsonl", "a.json", "upload"]))
def test_any_file_gives_verdicts_or_a_mapping_error(raw: bytes, name: str) -> None:
    try:
        results = list(parse_import(raw, name))
    except InvalidMapping as error:
        assert error.reason
    else:
        assert all(line >= 1 and isinstance(v, FeedbackItem | InvalidFeedback) for line, v in results)


@given(st.lists(st.text(max_size=20), max_size=5))
def test_any_csv_row_under_a_text_header_is_an_item_or_a_reason(cells: list[str]) -> None:
    out = io.StringIO()
    csv.writer(out).writerows([["text", "score", "scale"], cells])
    for line, verdict in parse_csv(out.getvalue(), None, "s"):
        assert line >= 2
        assert isinstance(verdict, FeedbackItem) or verdict.reason
