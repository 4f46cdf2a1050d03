"""Slack's Web API errors as the outbox sees them: RetryableSendError (try later) or PermanentSendError."""

from __future__ import annotations

from typing import Any

from slack_sdk.errors import SlackApiError

from bot.core.errors import PermanentSendError, RetryableSendError, SendError

# Errors after which the same call can never succeed; the conversation ones mean "stop posting there".
CONVERSATION_GONE = {
    "channel_not_found",
    "not_in_channel",
    "is_archived",
    "account_inactive",
    "user_not_found",
    "user_disabled",
    "cannot_dm_bot",
    "messages_tab_disabled",
}
RETRYABLE = {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
# A token another instance replaced (a reinstall) or Slack revoked: read the store again before giving up.
STALE_TOKEN = {"invalid_auth", "token_revoked"}
# Errors that mean the workspace's token is dead: it is looked up again before the next call.
TOKEN_GONE = {"invalid_auth", "token_revoked", "account_inactive", "not_authed"}
# When Slack throttles without saying for how long.
DEFAULT_RETRY_AFTER = 30.0


def error_code(exc: SlackApiError) -> str:
    """Slack's `error` field, or `http_<status>` when the answer had none (a proxy's plain-text 503 has none)."""
    status = getattr(exc.response, "status_code", 200)
    return _error_field(exc) or f"http_{status}"


def _error_field(exc: SlackApiError) -> str | None:
    data = getattr(exc.response, "data", None)
    error = data.get("error") if isinstance(data, dict) else None
    return str(error) if error else None


def classify(method: str, exc: SlackApiError) -> SendError:
    """The outbox's view of a failed call: throttled (with Slack's Retry-After), retryable or permanent."""
    status = getattr(exc.response, "status_code", 200)
    error = error_code(exc)
    if status == 429 or error == "ratelimited":
        raw = _header(exc.response.headers, "Retry-After")
        retry_after = float(raw) if raw and raw.replace(".", "", 1).isdigit() else DEFAULT_RETRY_AFTER
        return RetryableSendError(f"slack {method}: ratelimited", retry_after, throttled=True)
    if status >= 500 or error in RETRYABLE:
        # Slack (or a proxy before it) may have posted the message before the error.
        return RetryableSendError(f"slack {method}: {error}", outcome_unknown=True)
    return PermanentSendError(f"slack {method}: {error}", conversation_gone=error in CONVERSATION_GONE)


def reason(exc: BaseException) -> str:
    """One short line about a failure, for the log (Slack's error code, never a payload)."""
    if isinstance(exc, SlackApiError):
        return _error_field(exc) or "Slack API error"
    return type(exc).__name__ if not str(exc) else str(exc).splitlines()[0][:200]


def _header(headers: Any, name: str) -> str | None:
    if headers is None:
        return None
    for key, value in dict(headers).items():
        if key.lower() == name.lower():
            return str(value[0] if isinstance(value, list) else value)
    return None
