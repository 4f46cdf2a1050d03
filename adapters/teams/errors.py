"""What a failed Bot Connector call means for the outbox: retry later, or give up (and why).

Microsoft's rules: retry 429 after `Retry-After`, retry 412/502/503/504 with backoff and jitter, never retry
500 or other 4xx. 403 ConversationBlockedByUser and 404 ConversationNotFound mean the conversation is gone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests
from msrest.exceptions import ClientException, HttpOperationError

from bot.core.errors import PermanentSendError, RetryableSendError, SendError

RETRYABLE_STATUSES = frozenset({412, 502, 503, 504})
GONE_CODES = frozenset(
    {
        "ConversationBlockedByUser",
        "ConversationNotFound",
        "MessageWritesBlocked",
        "BotNotInConversationRoster",
        "ForbiddenOperationException",
    }
)


@dataclass(frozen=True)
class ConnectorFailure:
    """The parts of a failed call's answer that decide what happens next."""

    status: int
    code: str
    message: str
    retry_after: float | None


def failure_of(exc: HttpOperationError) -> ConnectorFailure:
    """Status, error code, message and Retry-After of a connector error."""
    response: Any = getattr(exc, "response", None)
    status = int(getattr(response, "status_code", 0) or 0)
    headers = getattr(response, "headers", None) or {}
    error: Any = getattr(getattr(exc, "error", None), "error", None)
    code = str(getattr(error, "code", "") or "")
    message = str(getattr(error, "message", "") or "")
    body = _json_body(response)
    sub_code = ""
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        sub_code = str(body["error"].get("subCode") or body["error"].get("subcode") or "")
        code = code or str(body["error"].get("code") or "")
        message = message or str(body["error"].get("message") or "")
    if sub_code and sub_code in GONE_CODES:
        code = sub_code
    return ConnectorFailure(status, code, message[:200], _retry_after(headers.get("Retry-After")))


def classify(exc: BaseException) -> SendError:
    """The send error the outbox understands for an exception out of botbuilder's connector client."""
    if isinstance(exc, SendError):
        return exc
    if isinstance(exc, HttpOperationError):
        failure = failure_of(exc)
        reason = f"Teams answered {failure.status} {failure.code}: {failure.message}".rstrip(": ")
        if failure.status == 429:
            return RetryableSendError(reason, failure.retry_after, throttled=True)
        if failure.status in RETRYABLE_STATUSES:
            return RetryableSendError(reason, None)
        gone = failure.status in (403, 404) and failure.code in GONE_CODES
        return PermanentSendError(reason, conversation_gone=gone)
    root = _root_cause(exc)
    if isinstance(root, requests.ConnectionError | ConnectionError) and not isinstance(
        root, requests.exceptions.ReadTimeout
    ):
        return RetryableSendError(f"Teams connector unreachable: {type(root).__name__}")
    if isinstance(root, requests.Timeout | TimeoutError):
        # The request left; Teams may have delivered it. Retrying could post it twice.
        return PermanentSendError("Teams connector timed out; the message may or may not have been delivered")
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


def _retry_after(raw: Any) -> float | None:
    try:
        seconds = float(raw)
    except (TypeError, ValueError):
        return None
    return seconds if seconds >= 0 else None
