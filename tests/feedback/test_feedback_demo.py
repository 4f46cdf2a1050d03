"""The demo: `printf 'highlights\\n' | clueline demo` shows Northpine's highlights with their reasons."""

from __future__ import annotations

from pathlib import Path

from tests.support.cli_in_process import demo_here


def test_the_demo_shows_the_sample_companys_highlights_with_reasons(tmp_path: Path) -> None:
    result = demo_here("highlights\n", tmp_path)
    assert result.returncode == 0, result.stderr
    listing = result.stdout.split("CUSTOMER HIGHLIGHTS OF THE LAST WEEK", 1)[1]
    assert "Why: NPS detractor" in listing and "Why: NPS promoter" in listing
    assert "Routed to: console:customer-voice" in listing
    assert "and 2 similar this week" in listing
    assert "Account at risk" in listing
    # Posts went to the demo's channel (summed up in the start's one line), personal data redacted.
    assert "in #customer-voice)" in result.stdout.splitlines()[0]
    assert "[phone]" in result.stdout and "[iban]" in result.stdout
    assert "7946" not in result.stdout and "maya@harborbakery.example" not in result.stdout
