"""Checking the Bot Framework token of an inbound activity, off the event loop.

botbuilder fetches the OpenID metadata and signing keys with `requests`, synchronously, inside its async
validation. The whole validation therefore runs in a worker thread with its own event loop, so a slow or
dead metadata server stalls that thread only. Its outcome is one of: the identity, `Unauthorized` (401) or
`AuthUnavailable` (503: we could not reach the keys, so we cannot tell).
"""

from __future__ import annotations

import asyncio
import logging

import jwt
import requests
from botbuilder.schema import Activity
from botframework.connector.auth import AuthenticateRequestResult, BotFrameworkAuthentication

from adapters.teams.auth_errors import CHECK_TIMEOUT_SECONDS, AuthUnavailable, Unauthorized

log = logging.getLogger(__name__)


async def authenticate(
    authentication: BotFrameworkAuthentication,
    activity: Activity,
    auth_header: str | None,
    timeout: float = CHECK_TIMEOUT_SECONDS,
) -> AuthenticateRequestResult:
    """Validate the request's token (None when it has none) in a thread; raises Unauthorized or AuthUnavailable."""

    def check() -> AuthenticateRequestResult:
        return asyncio.run(authentication.authenticate_request(activity, auth_header))

    try:
        return await asyncio.wait_for(asyncio.to_thread(check), timeout)
    except TimeoutError as exc:
        # botbuilder's key fetch has no timeout of its own; answer now and let its thread finish later.
        log.warning("Teams token check timed out waiting for the signing keys")
        raise AuthUnavailable("timed out") from exc
    except (PermissionError, jwt.PyJWTError, IndexError) as exc:
        # IndexError: botbuilder's key lookup for a `kid` the metadata does not list.
        raise Unauthorized(_reason(exc)) from exc
    except (requests.RequestException, KeyError, ValueError) as exc:
        # Unreachable metadata or key server, or an answer without `jwks_uri` / `keys`.
        log.warning("Teams token keys unavailable: %s", type(exc).__name__)
        raise AuthUnavailable(type(exc).__name__) from exc
    except AttributeError as exc:
        # botbuilder dereferences the missing identity of a malformed Authorization header.
        raise Unauthorized("malformed Authorization header") from exc
    except Exception as exc:
        # botbuilder raises bare Exceptions for a failed endorsement or a disallowed signing algorithm.
        raise Unauthorized(_reason(exc)) from exc


def _reason(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc)[:120]}"
