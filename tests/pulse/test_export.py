import csv
import io

import pytest

from bot.features.pulse.export import comments_csv, escape_cell, results_csv


@pytest.mark.parametrize(
    "dangerous", ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tcalc", "\rcalc", '=HYPERLINK("http://evil","x")']
)
def test_formula_cells_get_a_leading_quote(dangerous: str) -> None:
    assert escape_cell(dangerous) == "'" + dangerous


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Fewer meetings", "Fewer meetings"),
        ("", ""),
        (None, ""),
        (-20, "-20"),
        (3.5, "3.5"),
        (True, "True"),
        (" =x", " =x"),
    ],
)
def test_other_cells_are_left_alone(value: object, expected: str) -> None:
    assert escape_cell(value) == expected


def test_results_csv_has_a_header_and_one_row_each() -> None:
    text = results_csv(
        [
            {"pulse": 7, "audience": 12, "responses": 6, "hidden": False, "enps": -17},
            {"pulse": 8, "audience": 4, "responses": 2, "hidden": True, "enps": None, "segment": "=evil"},
        ]
    )
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [
        ["pulse", "audience", "responses", "hidden", "enps", "segment"],
        ["7", "12", "6", "False", "-17", ""],
        ["8", "4", "2", "True", "", "'=evil"],
    ]


def test_comments_csv_escapes_and_hides_the_order() -> None:
    text = comments_csv(["=cmd|' /C calc'!A0", "More focus time", '-fewer "meetings", please', "@admin"])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["comment"]
    assert [row[0] for row in rows[1:]] == [
        '\'-fewer "meetings", please',
        "'=cmd|' /C calc'!A0",
        "'@admin",
        "More focus time",
    ]
    assert all(not row[0].startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows[1:])
