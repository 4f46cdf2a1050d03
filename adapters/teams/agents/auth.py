"""Checking the Bot Framework token of an inbound activity, on the event loop, with aiohttp and PyJWT.

The Agents SDK's own `JwtTokenValidator` cannot serve here: it fetches the signing keys of the Bot Framework
issuer from a URL fixed in its code (login.botframework.com), so neither a sovereign cloud's nor a test's
OpenID metadata can be configured, and it checks neither the `serviceurl` claim against the activity nor
the key's channel endorsements. This validator reads the configured OpenID metadata instead and checks
signature, issuer, audience, lifetime, endorsement and service URL, with the same PyJWT the SDK uses.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import aiohttp
import jwt

from adapters.teams.base import CHECK_TIMEOUT_SECONDS, AuthUnavailable, Unauthorized
from adapters.teams.config import TeamsConfig

log = logging.getLogger(__name__)

# Microsoft rotates the keys rarely and announces them ahead: a day's cache is what botbuilder keeps too.
KEYS_LIFETIME_SECONDS = 24 * 3600.0
# A token naming a key we do not know re-reads the keys, at most this often (a forger cannot make us spin).
UNKNOWN_KEY_REFRESH_SECONDS = 300.0
# The clock skew Microsoft's SDKs allow.
LEEWAY_SECONDS = 300.0


class ChannelTokenValidator:
    """Validates channel tokens against the keys published at the configured OpenID metadata URL."""

    def __init__(self, config: TeamsConfig, timeout_seconds: float = CHECK_TIMEOUT_SECONDS) -> None:
        self._config = config
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._keys: dict[str, dict[str, Any]] = {}
        self._fetched_at: float | None = None
        self._lock = asyncio.Lock()

    async def validate(
        self, authorization: str | None, service_url: str | None, channel_id: str | None
    ) -> None:
        """Raise Unauthorized unless `authorization` is a valid channel token for this bot and this activity."""
        if authorization is None:
            raise Unauthorized("no token")
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token or " " in token:
            raise Unauthorized("malformed Authorization header")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Unauthorized("not a JWT") from exc
        kid = header.get("kid")
        if header.get("alg") != "RS256" or not isinstance(kid, str):
            raise Unauthorized("unexpected signing algorithm or key id")
        key = await self._key(kid)
        endorsements = key.get("endorsements")
        if isinstance(endorsements, list) and channel_id not in endorsements:
            raise Unauthorized("the signing key does not endorse this channel")
        try:
            claims = jwt.decode(
                token,
                jwt.PyJWK(key).key,
                algorithms=["RS256"],
                audience=self._config.app_id,
                issuer=self._config.token_issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.PyJWTError as exc:
            raise Unauthorized(type(exc).__name__) from exc
        # Only the connector the token was issued for may be named as the place to reply to.
        if claims.get("serviceurl") != service_url:
            raise Unauthorized("the token was issued for another service URL")

    async def _key(self, kid: str) -> dict[str, Any]:
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
                metadata = await _json(session, self._config.openid_metadata_url)
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
