"""What every backend asks of an inbound token before its SDK checks the signature: that it is a channel token
(issued by the Bot Framework channel service) and that it expires.

botbuilder also follows tokens of the Bot Framework Emulator's issuers, whose keys it fetches from a Microsoft
URL that CLUELINE_TEAMS_OPENID_METADATA_URL does not cover and whose `serviceurl` and audience it does not
check; and neither SDK refuses a token without `exp`. Both are read here from the unverified claims: a token
that passes this is then verified whole by the backend, so nothing here is trusted before its signature is.
"""

from __future__ import annotations

import jwt


def channel_token_problem(authorization: str | None, issuer: str) -> str | None:
    """Why the token cannot be a channel token that expires, or None (also without a token: the backend refuses)."""
    if authorization is None:
        return None
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
