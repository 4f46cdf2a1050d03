"""Errors an adapter raises when sending (so the outbox knows whether to retry), and those of inbound events."""

from __future__ import annotations


class SendError(Exception):
    """Base of every failed send."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RetryableSendError(SendError):
    """The platform asked us to try again later (429, 5xx, timeouts)."""

    def __init__(
        self,
        reason: str,
        retry_after: float | None = None,
        *,
        throttled: bool = False,
        held_back: bool = False,
        outcome_unknown: bool = False,
    ) -> None:
        super().__init__(reason)
        self.retry_after = retry_after
        # The platform itself answered 429 (not our own limiter holding a call back): counted in /metrics.
        self.throttled = throttled
        # Our own rate limiter kept the call back: nothing was sent and nothing failed, so no attempt is spent.
        self.held_back = held_back
        # The call may have reached the platform (a 5xx, a timeout, a connection lost after sending): whether
        # the message was posted is unknown, so the next attempt looks for it before posting again.
        self.outcome_unknown = outcome_unknown


class PermanentSendError(SendError):
    """Retrying cannot help (channel gone, bot removed, token revoked)."""

    def __init__(self, reason: str, *, conversation_gone: bool = False) -> None:
        super().__init__(reason)
        self.conversation_gone = conversation_gone


class EventNotStored(Exception):
    """An inbound event could not be recorded (the database is down): answer 503 so the platform retries it."""


class NotYetHandled(Exception):
    """A stored event's handling failed before any feature ran (the directory's write): nothing was done for
    it, so it may be tried again without saying or recording anything twice."""
