"""What a failed Bot Connector call means for the outbox: retry later, or give up (and why).

Microsoft's rules: retry 429 after `Retry-After`, retry 412/502/503/504 with backoff and jitter, never retry
500 or other 4xx. 403 ConversationBlockedByUser and 404 ConversationNotFound mean the conversation is gone.
Each backend reads status, code and Retry-After out of its SDK's exceptions; the decision is made here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

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
MAYBE_DELIVERED = "Teams connector timed out; the message may or may not have been delivered"


@dataclass(frozen=True)
class ConnectorFailure:
    """The parts of a failed call's answer that decide what happens next."""

    status: int
    code: str
    message: str
    retry_after: float | None

    def as_send_error(self) -> SendError:
        """The outbox's view of this answer."""
        reason = f"Teams answered {self.status} {self.code}: {self.message}".rstrip(": ")
        if self.status == 429:
            return RetryableSendError(reason, self.retry_after, throttled=True)
        if self.status in RETRYABLE_STATUSES:
            return RetryableSendError(reason, None)
        gone = self.status in (403, 404) and self.code in GONE_CODES
        return PermanentSendError(reason, conversation_gone=gone)


def failure(status: int, body: Any, retry_after: Any, code: str = "", message: str = "") -> ConnectorFailure:
    """A failure from the status, the error body (parsed or raw text) and the Retry-After header."""
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:
            body = None
    sub_code = ""
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        sub_code = str(error.get("subCode") or error.get("subcode") or "")
        code = code or str(error.get("code") or "")
        message = message or str(error.get("message") or "")
    if sub_code and sub_code in GONE_CODES:
        code = sub_code
    return ConnectorFailure(status, code, message[:200], _seconds(retry_after))


def _seconds(raw: Any) -> float | None:
    try:
        seconds = float(raw)
    except (TypeError, ValueError):
        return None
    return seconds if seconds >= 0 else None
