"""The Bot Framework's signing keys, as published at the configured OpenID metadata URL, fetched and cached.

Read with aiohttp on the event loop, with a bounded wait: an unreachable key server is a 503, not a stall.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import aiohttp

from adapters.teams.auth_errors import CHECK_TIMEOUT_SECONDS, AuthUnavailable, Unauthorized
from adapters.teams.config import TeamsConfig

log = logging.getLogger(__name__)

# Microsoft rotates the keys rarely and announces them ahead: a day's cache is what botbuilder keeps too.
KEYS_LIFETIME_SECONDS = 24 * 3600.0
# A token naming a key we do not know re-reads the keys, at most this often (a forger cannot make us spin).
UNKNOWN_KEY_REFRESH_SECONDS = 300.0


class SigningKeys:
    """The published JWKs by key id, re-read once a day, or sooner (at most every five minutes) for a key id
    nobody has published yet."""

    def __init__(self, config: TeamsConfig, timeout_seconds: float = CHECK_TIMEOUT_SECONDS) -> None:
        self._metadata_url = config.openid_metadata_url
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._keys: dict[str, dict[str, Any]] = {}
        self._fetched_at: float | None = None
        self._lock = asyncio.Lock()

    async def jwk(self, kid: str) -> dict[str, Any]:
        """The published JWK with this key id, endorsements included; Unauthorized if nobody published it."""
        async with self._lock:
            now = time.monotonic()
            age = None if self._fetched_at is None else now - self._fetched_at
            stale = age is None or age > KEYS_LIFETIME_SECONDS
            if stale or (kid not in self._keys and age is not None and age > UNKNOWN_KEY_REFRESH_SECONDS):
                self._keys = await self._fetch()
                self._fetched_at = time.monotonic()
        key = self._keys.get(kid)
        if key is None:
            raise Unauthorized("unknown signing key")
        return key

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
