"""The Agents SDK connector's exceptions (aiohttp's) as the outbox's send errors."""

from __future__ import annotations

import aiohttp

from adapters.teams.errors import MAYBE_DELIVERED, failure
from bot.core.errors import PermanentSendError, RetryableSendError, SendError


def classify(exc: BaseException) -> SendError:
    """The send error the outbox understands for an exception out of the SDK's aiohttp connector client."""
    if isinstance(exc, SendError):
        return exc
    if isinstance(exc, aiohttp.ClientResponseError):
        # The SDK puts the error body in `message` when it read one, else the HTTP reason.
        retry_after = exc.headers.get("Retry-After") if exc.headers is not None else None
        return failure(exc.status, exc.message, retry_after).as_send_error()
    if isinstance(exc, aiohttp.ClientConnectorError):
        # Nothing left this process: safe to try again.
        return RetryableSendError(f"Teams connector unreachable: {type(exc).__name__}")
    if isinstance(exc, TimeoutError | aiohttp.ServerTimeoutError):
        # The request left; Teams may have delivered it. Retrying could post it twice.
        return PermanentSendError(MAYBE_DELIVERED)
    return PermanentSendError(f"Teams send failed: {type(exc).__name__}")
