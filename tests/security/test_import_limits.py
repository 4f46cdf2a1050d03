"""`clueline feedback import` reads JSON Lines with the webhook's limits: a bad line refuses the file, not a crash."""

from __future__ import annotations

import json
from pathlib import Path

from tests.feedback.test_feedback_cli import clueline


def test_a_huge_number_or_an_out_of_range_date_is_refused_with_its_line(
    database_url: str, tmp_path: Path
) -> None:
    good = {"id": "i-1", "source": "import", "text": "Reports load slowly."}
    lines = [
        json.dumps(good),
        '{"id": "i-2", "source": "import", "text": "x", "n": ' + "9" * 5000 + "}",
        json.dumps({**good, "id": "i-3", "received_at": "0001-01-01T00:00:00+05:00"}),
    ]
    export = tmp_path / "feedback.jsonl"
    export.write_text("\n".join(lines) + "\n")
    result = clueline(database_url, "feedback", "import", str(export), "--json")
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert (report["accepted"], report["stored"]) == (0, False)
    assert [line["line"] for line in report["rejected"]] == [2, 3]
    assert "digits" in report["rejected"][0]["reason"] and "received_at" in report["rejected"][1]["reason"]
