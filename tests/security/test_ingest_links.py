"""`clueline knowledge ingest DIR` reads only what is inside DIR: links leading out are skipped and named."""

from __future__ import annotations

import json
from pathlib import Path

from tests.answers.test_cli import clueline

SECRET_TEXT = "The vault password is hunter2-orchid; rotate it every quarter."


def _folder_with_links(tmp_path: Path) -> tuple[Path, Path, Path]:
    outside = tmp_path / "home"
    outside.mkdir()
    (outside / "passwords.md").write_text(f"# Vault\n\n## Password\n\n{SECRET_TEXT}\n")
    docs = tmp_path / "docs"
    (docs / "guides").mkdir(parents=True)
    (docs / "guides" / "export.md").write_text(
        "# Export\n\n## Exporting\n\nClick Export to download a CSV.\n"
    )
    (docs / "vault.md").symlink_to(outside / "passwords.md")
    (docs / "private").symlink_to(outside, target_is_directory=True)
    (docs / "export-again.md").symlink_to(docs / "guides" / "export.md")
    return docs, docs / "vault.md", docs / "private"


def test_links_out_of_the_folder_are_skipped_named_and_not_answerable(
    database_url: str, tmp_path: Path
) -> None:
    docs, file_link, folder_link = _folder_with_links(tmp_path)

    result = clueline(database_url, "knowledge", "ingest", str(docs), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["added"] == ["guides/export.md"]  # the link inside the folder adds nothing twice
    assert sorted(item["path"] for item in report["skipped"]) == [str(folder_link), str(file_link)]

    asked = json.loads(clueline(database_url, "ask", "what is the vault password?", "--json").stdout)
    assert "hunter2" not in asked["answer"]
    assert all("passwords" not in source["source"] for source in asked["sources"])


def test_the_plain_summary_names_the_skipped_links(database_url: str, tmp_path: Path) -> None:
    docs, file_link, _ = _folder_with_links(tmp_path)
    result = clueline(database_url, "knowledge", "ingest", str(docs))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("added 1, updated 0, unchanged 0, removed 0, failed 0, skipped 2")
    assert f"skipped: {file_link}" in result.stdout
