"""Checking the Bot Framework token of an inbound activity with the Agents SDK's `JwtTokenValidator`.

The SDK checks the signature (RS256), lifetime (five minutes of leeway), audience (the app id) and, opted in
here with `VALIDATE_ISSUER`, the issuer (CLUELINE_TEAMS_TOKEN_ISSUER, and the Microsoft first-party
issuers the SDK always trusts). Two things it cannot do are added around it:
- Where the keys come from. `JwtTokenValidator.validate_token` takes the JWKS URL from `_build_jwks_uri`,
  which maps the Bot Framework issuers to URLs fixed in the SDK (`_entra_issuers.BOTFRAMEWORK_JWKS_URIS`,
  microsoft_agents/hosting/core/authorization/jwt/jwt_token_validator.py lines 115-120 and 185-187 in 1.9.0)
  and reads them with a blocking `PyJWKClient` in a thread (lines 51-69). A sovereign cloud's or a test's
  OpenID metadata cannot be configured there, so the validator's key source (its `_jwk_client_manager`
  seam, line 76) is `ConfiguredSigningKeys`: the keys named by CLUELINE_TEAMS_OPENID_METADATA_URL
  (adapters/teams/signing_keys.py).
- What the token must say about this activity. The SDK checks neither the `serviceurl` claim against the
  activity's `serviceUrl` nor the signing key's channel endorsements. (Before the body was read, the token's
  signature, issuer, audience and expiry were checked for both backends: adapters/teams/channel_token.py.)
"""

from __future__ import annotations

from typing import Any

import jwt
from microsoft_agents.hosting.core.authorization import AgentAuthConfiguration, JwtTokenValidator
from microsoft_agents.hosting.core.authorization.jwt.jwt_token_validator import _JwkClientManager

from adapters.teams.auth_errors import Unauthorized
from adapters.teams.config import TeamsConfig
from adapters.teams.signing_keys import SigningKeys


class ConfiguredSigningKeys(_JwkClientManager):
    """The SDK's key source, answered from the keys at the configured OpenID metadata URL (shared with the
    check made before the body is read)."""

    def __init__(self, keys: SigningKeys) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.keys = keys

    async def get_signing_key(self, jwks_uri: str, header: dict[str, Any]) -> jwt.PyJWK:
        """The SDK's hook: the key a token names; `jwks_uri` (the SDK's fixed choice) gives way to ours."""
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise Unauthorized("the token names no signing key")
        return jwt.PyJWK(await self.keys.jwk(kid))


class ChannelTokenValidator:
    """The SDK's validator on the configured keys, plus the checks that tie a token to its activity."""

    def __init__(self, config: TeamsConfig, keys: SigningKeys) -> None:
        self._keys = ConfiguredSigningKeys(keys)
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
        endorsements = (await self._keys.keys.jwk(kid)).get("endorsements")
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
