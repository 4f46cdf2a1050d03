"""The Bot Framework signing keys as the token checks see them: cached, refreshed, and never a queue that a
forged token can make real activities wait in."""

from __future__ import annotations

import asyncio

import pytest

from adapters.teams.auth_errors import AuthUnavailable, Unauthorized
from adapters.teams.config import TeamsConfig
from adapters.teams.signing_keys import UNKNOWN_KEY_REFRESH_SECONDS, SigningKeys
from tests.support.fake_teams import KEY_ID, FakeTeams


@pytest.fixture(scope="module", autouse=True)
def teams_backend() -> str:
    """Both backends read the same keys (the check before the body and the Agents SDK's): one run instead of one per Teams backend (tests/teams/conftest.py)."""
    return "botbuilder"


class Clock:
    """Monotonic seconds that pass only when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def keys_of(fake: FakeTeams, clock: Clock) -> SigningKeys:
    return SigningKeys(TeamsConfig(openid_metadata_url=fake.metadata_url), timeout_seconds=0.5, clock=clock)


async def test_the_keys_are_fetched_once_for_many_tokens(fake: FakeTeams) -> None:
    keys = keys_of(fake, Clock())
    for _ in range(5):
        assert (await keys.jwk(KEY_ID))["kid"] == KEY_ID
    assert fake.metadata_requests == 1


async def test_a_key_nobody_published_is_refused(fake: FakeTeams) -> None:
    keys = keys_of(fake, Clock())
    await keys.jwk(KEY_ID)
    with pytest.raises(Unauthorized):
        await keys.jwk("nobody-published-this")
    assert fake.metadata_requests == 1  # read a moment ago: not read again for a forger's key id


async def test_forged_tokens_start_no_new_wait_on_a_key_server_that_just_failed(fake: FakeTeams) -> None:
    keys = keys_of(fake, Clock())
    fake.hold_metadata.set()
    try:
        for _ in range(3):
            with pytest.raises(AuthUnavailable):
                await keys.jwk("forged-key-id")
    finally:
        fake.hold_metadata.clear()
    assert fake.metadata_requests == 1


async def test_a_known_key_is_answered_while_a_forgers_key_id_is_looked_up(fake: FakeTeams) -> None:
    clock = Clock()
    keys = keys_of(fake, clock)
    await keys.jwk(KEY_ID)
    clock.now += (
        UNKNOWN_KEY_REFRESH_SECONDS + 1
    )  # a key id we do not know may now send us to read the keys again
    fake.hold_metadata.set()
    try:
        looking_up = asyncio.create_task(keys.jwk("forged-key-id"))
        await asyncio.sleep(0.1)  # the forger's lookup is waiting on the slow key server
        assert not looking_up.done()
        assert (await asyncio.wait_for(keys.jwk(KEY_ID), 0.2))["kid"] == KEY_ID
        with pytest.raises(AuthUnavailable):
            await looking_up
    finally:
        fake.hold_metadata.clear()


async def test_keys_in_hand_still_answer_when_the_daily_refresh_fails(fake: FakeTeams) -> None:
    clock = Clock()
    keys = keys_of(fake, clock)
    await keys.jwk(KEY_ID)
    clock.now += 25 * 3600
    fake.hold_metadata.set()
    try:
        assert (await keys.jwk(KEY_ID))["kid"] == KEY_ID
    finally:
        fake.hold_metadata.clear()
    assert fake.metadata_requests == 2
