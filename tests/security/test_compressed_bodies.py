"""A body sent compressed (`Content-Encoding`) is refused unread: never inflated, so a small request cannot make
the server unpack a gigabyte, and a corrupt one is a 4xx like any other bad input."""

from __future__ import annotations

import gzip
import zlib

import pytest

from tests.security.conftest import Target

ROUTES = ["/slack/events", "/feedback", "/api/messages"]
# A gigabyte of zeros packs into about a megabyte; a tenth of that is enough to show it is never unpacked.
BOMB = gzip.compress(b"\0" * (100 * 1024 * 1024), compresslevel=9)


def _headers(target: Target, path: str, encoding: str) -> dict[str, str]:
    headers = {"Content-Type": "application/json", "Content-Encoding": encoding}
    if path == "/api/messages":  # past the token, to where the body would be read
        headers["Authorization"] = f"Bearer {target.teams.token(target.teams.url)}"
    return headers


@pytest.mark.parametrize("path", ROUTES)
def test_a_compressed_body_is_refused_with_415_before_it_is_unpacked(target: Target, path: str) -> None:
    before = target.server.output()
    response = target.session.post(
        f"{target.url}{path}", data=BOMB, headers=_headers(target, path, "gzip"), timeout=30
    )
    assert response.status_code == 415, response.text
    assert "compressed" in response.json()["error"]
    assert f"refused POST {path}: 415" in target.server.output()[len(before) :]


@pytest.mark.parametrize("path", [*ROUTES, "/no-such-route"])
@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_a_corrupt_compressed_body_is_a_4xx_without_a_traceback(
    target: Target, path: str, encoding: str
) -> None:
    before = target.server.output()
    response = target.session.post(
        f"{target.url}{path}", data=b"garbage123", headers=_headers(target, path, encoding), timeout=30
    )
    assert 400 <= response.status_code < 500
    after = target.server.output()[len(before) :]
    assert (
        "Traceback" not in after
        and "Unhandled exception" not in after
        and "Error handling request" not in after
    )


def test_an_outsiders_compressed_body_to_teams_is_refused_on_its_headers(target: Target) -> None:
    response = target.session.post(
        f"{target.url}/api/messages",
        data=zlib.compress(b"\0" * (10 * 1024 * 1024)),
        headers={"Content-Type": "application/json", "Content-Encoding": "deflate"},
        timeout=30,
    )
    assert response.status_code == 401
