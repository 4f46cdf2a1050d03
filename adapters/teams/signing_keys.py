"""The Bot Framework's signing keys, as published at the configured OpenID metadata URL, fetched and cached.

Read with aiohttp on the event loop, with a bounded wait: an unreachable key server is a 503, not a stall.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

import aiohttp

from adapters.teams.auth_errors import CHECK_TIMEOUT_SECONDS, AuthUnavailable, Unauthorized
from adapters.teams.config import TeamsConfig

log = logging.getLogger(__name__)

# Microsoft rotates the keys rarely and announces them ahead: a day's cache is what botbuilder keeps too.
KEYS_LIFETIME_SECONDS = 24 * 3600.0
# A token naming a key we do not know re-reads the keys, at most this often (a forger cannot make us spin).
UNKNOWN_KEY_REFRESH_SECONDS = 300.0
# After a fetch failed, none is tried again for this long: each forged token would otherwise start one more
# wait on a dead or slow key server, and every request needing the keys would queue behind them.
AFTER_A_FAILED_FETCH_SECONDS = 10.0


class SigningKeys:
    """The published JWKs by key id, re-read once a day, or sooner (at most every five minutes) for a key id
    nobody has published yet.

    A key in hand is answered at once, never behind a fetch under way. When a fetch fails, keys already in
    hand (even a day old) still answer, and no fetch is tried for AFTER_A_FAILED_FETCH_SECONDS.
    """

    def __init__(
        self,
        config: TeamsConfig,
        timeout_seconds: float = CHECK_TIMEOUT_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._metadata_url = config.openid_metadata_url
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._clock = clock
        self._keys: dict[str, dict[str, Any]] = {}
        self._fetched_at: float | None = None
        self._failed_at: float | None = None
        self._lock = asyncio.Lock()

    async def jwk(self, kid: str) -> dict[str, Any]:
        """The published JWK with this key id, endorsements included; Unauthorized if nobody published it,
        AuthUnavailable if the keys cannot be fetched and none are in hand."""
        if self._fresh(kid):
            return self._keys[kid]
        async with self._lock:
            # Another request may have fetched them while this one waited.
            if not self._fresh(kid) and self._may_fetch(kid):
                try:
                    keys = await self._fetch()
                except AuthUnavailable:
                    self._failed_at = self._clock()
                    if kid not in self._keys:
                        raise
                else:
                    self._keys, self._fetched_at, self._failed_at = keys, self._clock(), None
        key = self._keys.get(kid)
        if key is None:
            if self._fetched_at is None:
                raise AuthUnavailable("no signing keys yet")
            raise Unauthorized("unknown signing key")
        return key

    def _fresh(self, kid: str) -> bool:
        """Whether this key is in hand and the keys are less than a day old."""
        return (
            kid in self._keys
            and self._fetched_at is not None
            and self._clock() - self._fetched_at <= KEYS_LIFETIME_SECONDS
        )

    def _may_fetch(self, kid: str) -> bool:
        now = self._clock()
        if self._failed_at is not None and now - self._failed_at < AFTER_A_FAILED_FETCH_SECONDS:
            return False
        if self._fetched_at is None or now - self._fetched_at > KEYS_LIFETIME_SECONDS:
            return True
        return kid not in self._keys and now - self._fetched_at > UNKNOWN_KEY_REFRESH_SECONDS

    async def _fetch(self) -> dict[str, dict[str, Any]]:
        try:
            async with aiohttp.ClientSession(timeout=self._timeout) as session:
                metadata = await _json(session, self._metadata_url)
                jwks = await _json(session, str(metadata["jwks_uri"]))
                keys = jwks["keys"]
        except (aiohttp.ClientError, TimeoutError, ValueError, KeyError, TypeError) as exc:
            # Unreachable metadata or key server, or an answer without `jwks_uri` / `keys`.
            log.warning("Teams token keys unavailable: %s", type(exc).__name__)
            raise AuthUnavailable(type(exc).__name__) from exc
        return {str(key["kid"]): key for key in keys if isinstance(key, dict) and "kid" in key}


async def _json(session: aiohttp.ClientSession, url: str) -> Any:
    async with session.get(url) as response:
        response.raise_for_status()
        return await response.json(content_type=None)
