"""How the outcome of botbuilder's token check maps to 401 and 503."""

from __future__ import annotations

import threading

import pytest
import requests
from botbuilder.schema import Activity

from adapters.teams.auth_errors import AuthUnavailable, Unauthorized
from adapters.teams.botbuilder.auth import authenticate


class StubAuthentication:
    """Stands in for BotFrameworkAuthentication: fails the way it is told to (or hangs until released)."""

    def __init__(self, error: BaseException | None = None, release: threading.Event | None = None) -> None:
        self.error = error
        self.release = release

    async def authenticate_request(self, activity: Activity, auth_header: str | None) -> object:
        if self.release is not None:
            self.release.wait(10)  # a blocking fetch, like botbuilder's requests.get
        if self.error is not None:
            raise self.error
        return "identity"


@pytest.mark.parametrize(
    "error",
    [
        PermissionError("Invalid AppId passed on token"),
        IndexError("list index out of range"),  # a kid the metadata does not list
        Exception("Could not validate endorsement key"),
    ],
)
async def test_refusals_are_unauthorized(error: BaseException) -> None:
    with pytest.raises(Unauthorized):
        await authenticate(StubAuthentication(error), Activity(type="message"), "Bearer x")


@pytest.mark.parametrize(
    "error", [requests.ConnectionError("refused"), requests.HTTPError("502"), KeyError("jwks_uri")]
)
async def test_unreachable_or_broken_key_servers_are_unavailable(error: BaseException) -> None:
    with pytest.raises(AuthUnavailable):
        await authenticate(StubAuthentication(error), Activity(type="message"), "Bearer x")


async def test_a_hanging_key_server_is_unavailable_after_the_timeout() -> None:
    release = threading.Event()
    try:
        with pytest.raises(AuthUnavailable):
            await authenticate(
                StubAuthentication(release=release),
                Activity(type="message"),
                "Bearer x",
                timeout=0.2,
            )
    finally:
        release.set()


async def test_a_valid_check_returns_its_result() -> None:
    result = await authenticate(StubAuthentication(), Activity(type="message"), None)
    assert result == "identity"
