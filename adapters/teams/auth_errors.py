"""How a check of an inbound Teams token ends when it does not pass, on every backend."""

from __future__ import annotations

# Well inside the connector's 10-15 s patience, so that it gets our 503 rather than timing out itself.
CHECK_TIMEOUT_SECONDS = 8.0


class Unauthorized(Exception):
    """The request carries no valid token for this bot."""


class AuthUnavailable(Exception):
    """The signing keys could not be fetched, so the token could not be checked."""
