"""Checking the Bot Framework token of an inbound activity with the Agents SDK's `JwtTokenValidator`.

The SDK checks the signature (RS256), lifetime (five minutes of leeway), audience (the app id) and, opted in
here with `VALIDATE_ISSUER`, the issuer (CLUELINE_TEAMS_TOKEN_ISSUER, and the Microsoft first-party
issuers the SDK always trusts). Two things it cannot do are added around it:
- Where the keys come from. `JwtTokenValidator.validate_token` takes the JWKS URL from `_build_jwks_uri`,
  which maps the Bot Framework issuers to URLs fixed in the SDK (`_entra_issuers.BOTFRAMEWORK_JWKS_URIS`,
  microsoft_agents/hosting/core/authorization/jwt/jwt_token_validator.py lines 115-120 and 185-187 in 1.9.0)
  and reads them with a blocking `PyJWKClient` in a thread (lines 51-69). A sovereign cloud's or a test's
  OpenID metadata cannot be configured there, so the validator's key source (its `_jwk_client_manager`
  seam, line 76) is `ConfiguredSigningKeys`: the keys named by CLUELINE_TEAMS_OPENID_METADATA_URL, read with
  aiohttp on the event loop, with a bounded wait (an unreachable key server is a 503, not a stall).
- What the token must say about this activity. The SDK checks neither the `serviceurl` claim against the
  activity's `serviceUrl` nor the signing key's channel endorsements. (A token without `exp`, or of another
  issuer, was refused before, for both backends: adapters/teams/channel_token.py.)
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import aiohttp
import jwt
from microsoft_agents.hosting.core.authorization import AgentAuthConfiguration, JwtTokenValidator
from microsoft_agents.hosting.core.authorization.jwt.jwt_token_validator import _JwkClientManager

from adapters.teams.base import CHECK_TIMEOUT_SECONDS, AuthUnavailable, Unauthorized
from adapters.teams.config import TeamsConfig

log = logging.getLogger(__name__)

# Microsoft rotates the keys rarely and announces them ahead: a day's cache is what botbuilder keeps too.
KEYS_LIFETIME_SECONDS = 24 * 3600.0
# A token naming a key we do not know re-reads the keys, at most this often (a forger cannot make us spin).
UNKNOWN_KEY_REFRESH_SECONDS = 300.0


class ConfiguredSigningKeys(_JwkClientManager):
    """The signing keys published at the configured OpenID metadata URL, fetched with aiohttp and cached."""

    def __init__(self, config: TeamsConfig, timeout_seconds: float = CHECK_TIMEOUT_SECONDS) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._metadata_url = config.openid_metadata_url
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._keys: dict[str, dict[str, Any]] = {}
        self._fetched_at: float | None = None
        self._lock = asyncio.Lock()

    async def get_signing_key(self, jwks_uri: str, header: dict[str, Any]) -> jwt.PyJWK:
        """The SDK's hook: the key a token names; `jwks_uri` (the SDK's fixed choice) gives way to ours."""
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise Unauthorized("the token names no signing key")
        return jwt.PyJWK(await self.jwk(kid))

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


class ChannelTokenValidator:
    """The SDK's validator on the configured keys, plus the checks that tie a token to its activity."""

    def __init__(self, config: TeamsConfig) -> None:
        self._keys = ConfiguredSigningKeys(config)
        self._sdk = JwtTokenValidator(
            AgentAuthConfiguration(
                client_id=config.app_id,
                tenant_id=config.tenant_id,
                issuers=[config.token_issuer],
                validate_issuer=True,
            )
        )
        # The documented-by-code seam: a class attribute the validator reads through `self`.
        self._sdk._jwk_client_manager = self._keys

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
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.PyJWTError as exc:
            raise Unauthorized("not a JWT") from exc
        if not isinstance(kid, str):
            raise Unauthorized("the token names no signing key")
        endorsements = (await self._keys.jwk(kid)).get("endorsements")
        if isinstance(endorsements, list) and channel_id not in endorsements:
            raise Unauthorized("the signing key does not endorse this channel")
        try:
            claims = (await self._sdk.validate_token(token)).claims
        except (
            jwt.PyJWTError,
            ValueError,
        ) as exc:  # the SDK's refusals of audience and issuer are ValueErrors
            raise Unauthorized(type(exc).__name__) from exc
        # Only the connector the token was issued for may be named as the place to reply to.
        if claims.get("serviceurl") != service_url:
            raise Unauthorized("the token was issued for another service URL")


async def _json(session: aiohttp.ClientSession, url: str) -> Any:
    async with session.get(url) as response:
        response.raise_for_status()
        return await response.json(content_type=None)
