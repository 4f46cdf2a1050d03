"""botbuilder's connector exceptions (msrest, requests) as the outbox's send errors."""

from __future__ import annotations

from typing import Any

import requests
from msrest.exceptions import ClientException, HttpOperationError

from adapters.teams.errors import MAYBE_DELIVERED, ConnectorFailure, failure
from bot.core.errors import PermanentSendError, RetryableSendError, SendError


def failure_of(exc: HttpOperationError) -> ConnectorFailure:
    """Status, error code, message and Retry-After of a connector error."""
    response: Any = getattr(exc, "response", None)
    headers = getattr(response, "headers", None) or {}
    error: Any = getattr(getattr(exc, "error", None), "error", None)
    return failure(
        int(getattr(response, "status_code", 0) or 0),
        _json_body(response),
        headers.get("Retry-After"),
        code=str(getattr(error, "code", "") or ""),
        message=str(getattr(error, "message", "") or ""),
    )


def classify(exc: BaseException) -> SendError:
    """The send error the outbox understands for an exception out of botbuilder's connector client."""
    if isinstance(exc, SendError):
        return exc
    if isinstance(exc, HttpOperationError):
        return failure_of(exc).as_send_error()
    root = _root_cause(exc)
    if isinstance(root, requests.ConnectionError | ConnectionError) and not isinstance(
        root, requests.exceptions.ReadTimeout
    ):
        return RetryableSendError(f"Teams connector unreachable: {type(root).__name__}")
    if isinstance(root, requests.Timeout | TimeoutError):
        # The request left; Teams may have delivered it. Retrying could post it twice.
        return PermanentSendError(MAYBE_DELIVERED)
    return PermanentSendError(f"Teams send failed: {type(root).__name__}")


def _root_cause(exc: BaseException) -> BaseException:
    seen: set[int] = set()
    current = exc
    while id(current) not in seen:
        seen.add(id(current))
        inner = current.inner_exception if isinstance(current, ClientException) else None
        following = inner or current.__cause__
        if not isinstance(following, BaseException):
            break
        current = following
    return current


def _json_body(response: Any) -> Any:
    try:
        return response.json() if response is not None else None
    except (ValueError, AttributeError):
        return None
