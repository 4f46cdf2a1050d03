"""`clueline manifest teams`: a Teams app package that sideloads."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import zipfile
import zlib
from pathlib import Path

import pytest

from tests.support.cli_exit import clueline as run_clueline

ROOT = Path(__file__).resolve().parents[2]
APP_ID = "6f1b7a4e-8d0c-4c1e-9a43-2f7d2f1c0b11"


def clueline(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_clueline({**os.environ, "PYTHONPATH": str(ROOT)}, *args, cwd=cwd)


@pytest.fixture(scope="module", autouse=True)
def teams_backend() -> str:
    """The app package is the same whichever backend serves the bot: one run instead of one per Teams backend (tests/teams/conftest.py)."""
    return "botbuilder"


def png_header(data: bytes) -> tuple[int, int, int]:
    """Width, height and colour type of a PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height, _depth, colour = struct.unpack(">IIBB", data[16:26])
    return width, height, colour


def outline_pixels(data: bytes) -> list[tuple[int, ...]]:
    """The RGBA pixels of an unfiltered 8-bit PNG such as the ones we write."""
    width, height, _ = png_header(data)
    idat, position = b"", 8
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        if kind == b"IDAT":
            idat += data[position + 8 : position + 8 + length]
        position += 12 + length
    raw = zlib.decompress(idat)
    stride = 1 + width * 4
    rows = [raw[y * stride + 1 : (y + 1) * stride] for y in range(height)]
    return [tuple(row[x * 4 : x * 4 + 4]) for row in rows for x in range(width)]


def test_the_package_holds_the_manifest_and_both_icons(tmp_path: Path) -> None:
    result = clueline("manifest", "teams", "--app-id", APP_ID, "--out", "pkg/app.zip", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(tmp_path / "pkg" / "app.zip") as package:
        assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(package.read("manifest.json"))
        color = package.read("color.png")
        outline = package.read("outline.png")
    assert float(manifest["manifestVersion"]) >= 1.16
    assert manifest["id"] == APP_ID
    bot = manifest["bots"][0]
    assert bot["botId"] == APP_ID
    assert bot["scopes"] == ["personal", "team", "groupChat"]
    assert [c["title"] for c in bot["commandLists"][0]["commands"]] == ["ask", "pulse", "help"]
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}
    assert len(manifest["description"]["short"]) <= 80 and len(manifest["name"]["short"]) <= 30
    assert png_header(color)[:2] == (192, 192)
    assert png_header(outline) == (32, 32, 6)  # RGBA
    pixels = outline_pixels(outline)
    # White on transparent, as Teams requires of the outline icon; some of each.
    assert set(pixels) <= {(255, 255, 255, 255), (255, 255, 255, 0)}
    assert len(set(pixels)) == 2


def test_the_default_package_name(tmp_path: Path) -> None:
    assert clueline("manifest", "teams", "--app-id", APP_ID, cwd=tmp_path).returncode == 0
    assert zipfile.is_zipfile(tmp_path / "clueline-teams.zip")


def test_an_app_id_that_is_no_guid_is_refused_with_one_line(tmp_path: Path) -> None:
    result = clueline("manifest", "teams", "--app-id", "my-bot", cwd=tmp_path)
    assert result.returncode == 1
    assert "--app-id" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "clueline-teams.zip").exists()


def test_an_update_gets_its_own_version_and_the_publishers_pages(tmp_path: Path) -> None:
    result = clueline(
        "manifest", "teams", "--app-id", APP_ID, "--version", "1.0.3",
        "--website", "https://intranet.acme.example/clueline", "--terms-url", "https://acme.example/terms",
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(tmp_path / "clueline-teams.zip") as package:
        manifest = json.loads(package.read("manifest.json"))
    assert manifest["version"] == "1.0.3"
    assert manifest["developer"]["websiteUrl"] == "https://intranet.acme.example/clueline"
    assert manifest["developer"]["privacyUrl"] == "https://intranet.acme.example/clueline/privacy"
    assert manifest["developer"]["termsOfUseUrl"] == "https://acme.example/terms"


def test_a_version_or_page_teams_would_refuse_is_refused_here_with_one_line(tmp_path: Path) -> None:
    for option, value, said in (
        ("--version", "2", "--version must be three numbers like 1.0.1"),
        ("--website", "http://acme.example", "--website must be an https:// address"),
    ):
        result = clueline("manifest", "teams", "--app-id", APP_ID, option, value, cwd=tmp_path)
        assert result.returncode == 1 and said in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "clueline-teams.zip").exists()


def test_a_package_without_website_says_it_names_a_placeholder(tmp_path: Path) -> None:
    placeholder = clueline("manifest", "teams", "--app-id", APP_ID, cwd=tmp_path)
    assert placeholder.returncode == 0 and "--website" in placeholder.stderr
    site = clueline(
        "manifest", "teams", "--app-id", APP_ID, "--website", "https://example.org/bot", cwd=tmp_path
    )
    assert site.returncode == 0 and site.stderr == ""
