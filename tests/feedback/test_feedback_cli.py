"""`clueline feedback ...` as an operator runs it: import with a column mapping, routes, highlights."""

from __future__ import annotations

import json
import subprocess
import zipfile
from pathlib import Path

import pytest

from tests.support.cli_in_process import clueline_here

EXPORT = """Response ID,Date Submitted,NPS,Comment,Customer Name,Email,Company,Browser
r-1,2026-11-20 09:14,3,"Export to Excel breaks on big reports, call me on 020 7946 0958.",Dana Reyes,dana@example.com,Northwind,Firefox
r-2,2026-11-20 10:02,10,Reminders got us paid a week sooner. Brilliant!,Lee Chen,lee@example.com,Chen Framing,Safari
r-3,2026-11-20 11:30,11,Out of range,Sam Poe,sam@example.com,Poe Ltd,Edge
r-1,2026-11-20 09:14,3,"Export to Excel breaks on big reports, call me on 020 7946 0958.",Dana Reyes,dana@example.com,Northwind,Firefox
"""
MAPPING = "id=Response ID,received_at=Date Submitted,score=NPS,text=Comment,name=Customer Name,email=Email,account=Company"


def clueline(database_url: str, *args: str, zone: str = "UTC") -> subprocess.CompletedProcess[str]:
    env = {"DATABASE_URL": database_url, "CLUELINE_LOG_LEVEL": "WARNING", "CLUELINE_TZ": zone}
    return clueline_here(env, *args)


def test_import_with_a_column_mapping_reports_accepted_and_duplicate_lines(
    database_url: str, tmp_path: Path
) -> None:
    export = tmp_path / "survey-export.csv"
    export.write_text(EXPORT.replace(",11,", ",9,"))
    result = clueline(database_url, "feedback", "import", str(export), "--map", MAPPING)
    assert result.returncode == 0, result.stderr
    assert "accepted 3, duplicates 1, rejected 0" in result.stdout
    again = clueline(database_url, "feedback", "import", str(export), "--map", MAPPING, "--json")
    assert again.returncode == 0, again.stderr
    report = json.loads(again.stdout)
    assert (report["accepted"], report["duplicates"], report["rejected"]) == (0, 4, [])


def test_one_refused_row_stores_nothing_and_says_which_line(database_url: str, tmp_path: Path) -> None:
    export = tmp_path / "survey-export.csv"
    export.write_text(EXPORT)
    result = clueline(database_url, "feedback", "import", str(export), "--map", MAPPING)
    assert result.returncode == 1
    assert "accepted 0, duplicates 0, rejected 1" in result.stdout
    assert "line 4: score 11 is outside the nps scale 0-10" in result.stdout
    assert result.stderr.strip().splitlines() == [
        "clueline: nothing imported from survey-export.csv: 1 line(s) refused, the first on line 4; "
        "fix them and import the file again"
    ]
    export.write_text(EXPORT.replace(",11,", ",9,"))
    fixed = clueline(database_url, "feedback", "import", str(export), "--map", MAPPING)
    assert "accepted 3, duplicates 1, rejected 0" in fixed.stdout  # nothing of the first try was kept


def test_an_unterminated_quote_refuses_the_file_at_its_line(database_url: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text('id,text,score\n1,"unterminated quote,5\n2,ok,7\n')
    result = clueline(database_url, "feedback", "import", str(bad))
    assert result.returncode == 1
    assert "accepted 0, duplicates 0, rejected 1" in result.stdout
    assert "line 2: not valid CSV: a quoted field starts in this row and its closing quote is missing" in (
        result.stdout
    )
    bad.write_text('id,text,score\n1,"a stray" quote,5\n2,ok,7\n')
    stray = clueline(database_url, "feedback", "import", str(bad))
    assert stray.returncode == 1 and "line 2: not valid CSV" in stray.stdout
    bad.write_text('id,text,nps\n1,"terminated, now",5\n2,ok,7\n')
    fixed = clueline(database_url, "feedback", "import", str(bad))
    assert "accepted 2, duplicates 0, rejected 0" in fixed.stdout


def test_an_excel_workbook_is_refused_saying_to_save_it_as_csv(database_url: str, tmp_path: Path) -> None:
    workbook = tmp_path / "responses.xlsx"
    with zipfile.ZipFile(workbook, "w") as archive:  # an .xlsx is a zip of XML parts
        archive.writestr("xl/workbook.xml", "<workbook/>")
    result = clueline(database_url, "feedback", "import", str(workbook))
    assert result.returncode == 1
    assert "responses.xlsx is a spreadsheet workbook, not CSV or JSON; save it as CSV" in result.stderr


def test_a_malformed_json_line_refuses_the_file_at_its_line(database_url: str, tmp_path: Path) -> None:
    lines = tmp_path / "feedback.jsonl"
    lines.write_text('{"id": "1", "source": "s", "text": "ok"}\n{"id": "2", "source": "s", "text": "cut\n')
    result = clueline(database_url, "feedback", "import", str(lines), "--json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert (report["accepted"], report["stored"]) == (0, False)
    assert [r["line"] for r in report["rejected"]] == [2]
    lines.write_text('{"id": "1", "source": "s", "text": "ok"}\n')
    assert (
        json.loads(clueline(database_url, "feedback", "import", str(lines), "--json").stdout)["accepted"] == 1
    )


def test_a_broken_json_line_is_named_with_its_column_in_plain_words(
    database_url: str, tmp_path: Path
) -> None:
    lines = tmp_path / "feedback.jsonl"
    lines.write_text('{"source": "s", "text": "cut\n')
    result = clueline(database_url, "feedback", "import", str(lines))
    assert "line 1: malformed JSON: Unterminated string starting at (column 25)" in result.stdout


@pytest.mark.parametrize(
    ("name", "content"), [("empty.csv", ""), ("empty.jsonl", ""), ("header.csv", "text,NPS\n")]
)
def test_a_file_of_no_items_imports_nothing_and_says_so(
    database_url: str, tmp_path: Path, name: str, content: str
) -> None:
    export = tmp_path / name
    export.write_text(content)
    result = clueline(database_url, "feedback", "import", str(export))
    assert result.returncode == 0, result.stderr
    assert "accepted 0, duplicates 0, rejected 0" in result.stdout
    assert f"{name} holds no feedback items" in result.stderr


def test_json_lines_without_an_id_get_a_stable_one_as_csv_rows_do(database_url: str, tmp_path: Path) -> None:
    lines = tmp_path / "feedback.jsonl"
    lines.write_text(
        '{"source": "s", "text": "Exports are slow"}\n{"source": "s", "id": null, "text": "Love the app"}\n'
    )
    first = clueline(database_url, "feedback", "import", str(lines))
    assert first.returncode == 0, first.stderr + first.stdout
    assert "accepted 2, duplicates 0, rejected 0" in first.stdout
    again = clueline(database_url, "feedback", "import", str(lines))
    assert "accepted 0, duplicates 2, rejected 0" in again.stdout


def test_a_mapping_that_names_a_missing_column_fails_with_one_line(database_url: str, tmp_path: Path) -> None:
    export = tmp_path / "export.csv"
    export.write_text(EXPORT)
    result = clueline(database_url, "feedback", "import", str(export), "--map", "text=Feedback")
    assert result.returncode == 1
    assert "column 'Feedback' is not in the file" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_routes_are_added_listed_and_removed(database_url: str) -> None:
    added = clueline(
        database_url, "feedback", "route", "add", "slack:C123", "--max-score", "6", "--digest", "daily"
    )
    assert added.returncode == 0, added.stderr
    route_id = added.stdout.split()[0]
    listed = clueline(database_url, "feedback", "route", "list")
    assert "slack:C123" in listed.stdout and "score <= 6" in listed.stdout and "daily digest" in listed.stdout
    assert clueline(database_url, "feedback", "route", "remove", route_id).returncode == 0
    assert "slack:C123" not in clueline(database_url, "feedback", "route", "list").stdout
    missing = clueline(database_url, "feedback", "route", "remove", route_id)
    assert missing.returncode == 1 and "no route" in missing.stderr


def test_adding_a_route_says_when_it_posts_and_whether_its_platform_is_set_up(database_url: str) -> None:
    digest = clueline(
        database_url, "feedback", "route", "add", "teams:19:ops@thread.tacv2", "--digest", "weekly"
    )
    assert "its digest goes out at 09:00 UTC (CLUELINE_TZ) every Monday" in digest.stdout
    assert (
        "teams is not set up in these settings, so posts to teams:19:ops@thread.tacv2 fail" in digest.stderr
    )
    live = clueline(
        database_url, "feedback", "route", "add", "teams:19:ops@thread.tacv2", "--product", "billing"
    )
    assert "feedback stored before keeps the routes it had" in live.stdout


def test_a_route_preview_prints_the_digest_it_would_post_now(database_url: str, tmp_path: Path) -> None:
    empty = clueline(database_url, "feedback", "route", "list")
    assert empty.stdout == "" and "no routes yet; add one with" in empty.stderr
    added = clueline(
        database_url, "feedback", "route", "add", "slack:CREPORTS", "--product", "reports", "--max-score", "6"
    )
    route_id = added.stdout.split()[0]
    quiet = clueline(database_url, "feedback", "route", "preview", route_id)
    assert quiet.returncode == 0 and "nothing to send" in quiet.stdout
    items = tmp_path / "items.jsonl"
    items.write_text(
        '{"id": "p1", "source": "s", "text": "Exports break on big reports", "scale": "nps", "score": 3, '
        '"product": "reports"}\n'
        '{"id": "p2", "source": "s", "text": "Invoices are great", "scale": "nps", "score": 10, "product": "billing"}\n',
        encoding="utf-8",
    )
    assert clueline(database_url, "feedback", "import", str(items)).returncode == 0
    shown = clueline(database_url, "feedback", "route", "preview", route_id)
    assert "1 feedback item this week" in shown.stdout
    assert "score <= 6" in shown.stdout  # plain text in a terminal, not chat's escaped Markdown ("\\<=")
    assert "Exports break on big reports" in shown.stdout and "Invoices are great" not in shown.stdout
    missing = clueline(database_url, "feedback", "route", "preview", "999")
    assert missing.returncode == 1 and "there is no route 999" in missing.stderr
    sent = clueline(database_url, "feedback", "route", "send", route_id)
    assert sent.returncode == 0, sent.stderr
    assert "queued a digest of 1 feedback item(s) for slack:CREPORTS" in sent.stdout
    assert clueline(database_url, "feedback", "route", "send", "999").returncode == 1


def test_adding_the_same_route_twice_keeps_one(database_url: str) -> None:
    first = clueline(database_url, "feedback", "route", "add", "slack:C777", "--tag", "export")
    again = clueline(database_url, "feedback", "route", "add", "slack:C777", "--tag", "export")
    route_id = first.stdout.split()[0]
    assert again.returncode == 0 and again.stdout.startswith(f"route {route_id} already does this")
    listed = clueline(database_url, "feedback", "route", "list").stdout
    assert listed.count("slack:C777") == 1


def test_route_list_says_each_digests_hour_in_the_zone_it_was_set_in(database_url: str) -> None:
    clueline(
        database_url, "feedback", "route", "add", "slack:CBERLIN", "--digest", "daily", zone="Europe/Berlin"
    )
    clueline(
        database_url, "feedback", "route", "add", "slack:CLONDON", "--digest", "daily", zone="Europe/London"
    )
    clueline(database_url, "feedback", "route", "add", "slack:CLIVE")
    listed = clueline(database_url, "feedback", "route", "list").stdout.splitlines()
    assert [line.split("  ")[-1] for line in listed] == [
        "(daily digest at 09:00 Europe/Berlin)",
        "(daily digest at 09:00 Europe/London)",
        "(real time)",
    ]


def test_a_bad_route_is_bad_usage(database_url: str) -> None:
    result = clueline(database_url, "feedback", "route", "add", "slack:C123", "--max-score", "12")
    assert result.returncode == 2 and "outside 0-10" in result.stderr


def test_highlights_prints_the_chosen_items_with_why_and_where(database_url: str, tmp_path: Path) -> None:
    export = tmp_path / "export.csv"
    export.write_text(EXPORT.replace("r-3,2026-11-20 11:30,11,Out of range", "r-3,2026-11-20 11:30,8,Fine"))
    clueline(database_url, "feedback", "route", "add", "slack:CDETRACT", "--max-score", "6")
    clueline(database_url, "feedback", "import", str(export), "--map", MAPPING)
    result = clueline(database_url, "feedback", "highlights", "--json", "--since", "2026-11-01")
    assert result.returncode == 0, result.stderr
    chosen = {entry["id"]: entry for entry in json.loads(result.stdout)}
    assert set(chosen) == {"r-1", "r-2"}
    assert chosen["r-1"]["why"][0] == "NPS detractor (3)"
    assert chosen["r-1"]["routed_to"][0]["target"] == "slack:CDETRACT"
    assert chosen["r-2"]["routed_to"] == []
    assert "[phone]" in chosen["r-1"]["text"] and "7946" not in result.stdout
    later = clueline(database_url, "feedback", "highlights", "--since", "2026-12-01")
    assert later.returncode == 0 and "no highlights" in later.stdout


def test_highlights_all_lists_what_was_not_chosen_and_why(database_url: str, tmp_path: Path) -> None:
    export = tmp_path / "export.csv"
    export.write_text(EXPORT.replace("r-3,2026-11-20 11:30,11,Out of range", "r-3,2026-11-20 11:30,8,Fine"))
    clueline(database_url, "feedback", "import", str(export), "--map", MAPPING)
    listed = clueline(database_url, "feedback", "highlights", "--all", "--json")
    assert listed.returncode == 0, listed.stderr
    entries = {entry["id"]: entry for entry in json.loads(listed.stdout)}
    assert set(entries) == {"r-1", "r-2", "r-3"}
    assert (entries["r-1"]["highlight"], entries["r-3"]["highlight"]) == (True, False)
    shown = clueline(database_url, "feedback", "highlights", "--all").stdout
    fine = shown.split("NPS 8")[1]
    assert "not a highlight: it scored" in fine.split("\n2026")[0]
    # Without --all, the contract's shape: only what was chosen, with no field of --all's.
    chosen = json.loads(clueline(database_url, "feedback", "highlights", "--json").stdout)
    assert {entry["id"] for entry in chosen} == {"r-1", "r-2"} and "highlight" not in chosen[0]


def test_a_route_whose_product_no_feedback_has_says_so_with_the_products_seen(
    database_url: str, tmp_path: Path
) -> None:
    items = tmp_path / "items.jsonl"
    items.write_text(
        '{"id": "p1", "source": "s", "text": "Exports break", "product": "Reports", "tags": ["export"]}\n'
        '{"id": "p2", "source": "s", "text": "Invoices are great", "product": "billing"}\n',
        encoding="utf-8",
    )
    assert clueline(database_url, "feedback", "import", str(items)).returncode == 0
    typo = clueline(database_url, "feedback", "route", "add", "slack:CREPORTS", "--product", "reprots")
    assert typo.returncode == 0  # kept: that product's feedback may simply not have come in yet
    assert 'no feedback so far has product "reprots" (products seen: billing, Reports)' in typo.stderr
    spelt = clueline(database_url, "feedback", "route", "add", "slack:CREPORTS", "--product", "reports")
    assert "no feedback so far" not in spelt.stderr
    tag = clueline(database_url, "feedback", "route", "add", "slack:CEXPORT", "--tag", "exprot")
    assert 'no feedback so far has tag "exprot" (tags seen: export)' in tag.stderr


def test_a_route_added_before_any_feedback_is_not_doubted(database_url: str) -> None:
    added = clueline(database_url, "feedback", "route", "add", "slack:CREPORTS", "--product", "reprots")
    assert added.returncode == 0 and "no feedback so far" not in added.stderr


def test_a_csv_exports_times_without_a_zone_are_in_the_companys_zone(
    database_url: str, tmp_path: Path
) -> None:
    export = tmp_path / "export.csv"
    export.write_text(
        "Comment,NPS,Date\n"
        "Exports break on big reports every single time,2,2026-12-06 14:03:11\n"
        "Invoices fail to send and customers are angry,1,20/11/2026 09:14\n"
        "Sync is slow but fine,3,2026-12-06T14:03:11Z\n"
    )
    assert clueline(database_url, "feedback", "import", str(export), zone="Europe/Berlin").returncode == 0
    shown = clueline(database_url, "feedback", "highlights", "--all", "--json", "--since", "2026-11-01")
    when = {entry["text"][:7]: entry["received_at"] for entry in json.loads(shown.stdout)}
    assert when == {
        "Exports": "2026-12-06T13:03:11+00:00",  # 14:03 in Berlin
        "Invoice": "2026-11-20T08:14:00+00:00",
        "Sync is": "2026-12-06T14:03:11+00:00",  # it said UTC itself
    }
