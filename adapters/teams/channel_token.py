"""The check every backend makes of an inbound token before the body is read: a channel token (issued by the Bot
Framework channel service) for this bot, signed by a published key, that expires and has not expired.

The token is in a header, so this needs nothing of the body: a sender without a valid token is refused before
any of its body is read, and cannot fill the room for bodies being read (adapters/http/body.py). What ties the
token to the activity (the `serviceurl` claim, the key's channel endorsements) needs the body, and is checked
with the backend's SDK once the body is in.

botbuilder also follows tokens of the Bot Framework Emulator's issuers, whose keys it fetches from a Microsoft
URL that CLUELINE_TEAMS_OPENID_METADATA_URL does not cover and whose `serviceurl` and audience it does not
check; and neither SDK refuses a token without `exp`. Both are refused here.
"""

from __future__ import annotations

import jwt

from adapters.teams.auth_errors import Unauthorized
from adapters.teams.config import TeamsConfig
from adapters.teams.signing_keys import SigningKeys

# The clock skew allowed on `exp` and `nbf`, as both SDKs allow.
LEEWAY_SECONDS = 300


def channel_token_problem(authorization: str | None, issuer: str) -> str | None:
    """Why the token cannot be a channel token that expires, read from its unverified claims; None if it may be."""
    if authorization is None:
        return "no token"
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return "malformed Authorization header"
    try:
        claims = jwt.decode(token.strip(), options={"verify_signature": False})
    except jwt.PyJWTError:
        return "not a JWT"
    if claims.get("iss") != issuer:
        return "not issued by the Bot Framework channel service"
    if "exp" not in claims:
        return "the token never expires"
    return None


class ChannelTokenGate:
    """Checks the Authorization header alone: Unauthorized unless it holds a valid channel token for this bot;
    AuthUnavailable when the signing keys cannot be fetched."""

    def __init__(self, config: TeamsConfig, keys: SigningKeys) -> None:
        self._app_id = config.app_id
        self._issuer = config.token_issuer
        self._keys = keys

    async def check(self, authorization: str | None) -> None:
        """Raise Unauthorized unless `authorization` is `Bearer <a valid channel token for this bot>`."""
        problem = channel_token_problem(authorization, self._issuer)
        if problem is not None:
            raise Unauthorized(problem)
        assert authorization is not None  # a problem otherwise
        token = authorization.partition(" ")[2].strip()
        kid = jwt.get_unverified_header(token).get("kid")
        if not isinstance(kid, str):
            raise Unauthorized("the token names no signing key")
        published = await self._keys.jwk(kid)
        try:
            key = jwt.PyJWK(published)
            jwt.decode(
                token,
                key,
                algorithms=["RS256"],
                audience=self._app_id,
                issuer=self._issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.PyJWTError as exc:
            raise Unauthorized(type(exc).__name__) from exc
