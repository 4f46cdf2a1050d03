"""`POST /feedback`: HMAC-signed JSON, a JSON array or JSON Lines, accepted all or nothing."""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from aiohttp import web

from adapters.feedback_formats.body import FeedbackBodyError, parse_body
from adapters.http.body import read_limited
from adapters.http.refusal import refuse
from bot.features.feedback.intake import IntakeResult
from bot.features.feedback.items import FeedbackItem

log = logging.getLogger(__name__)

MAX_BODY = 5 * 1024 * 1024
SIGNATURE_HEADER = "X-Clueline-Signature"
NO_SECRET = "the feedback webhook is off: set CLUELINE_FEEDBACK_SECRET to accept feedback"
BAD_SIGNATURE = f"missing or wrong {SIGNATURE_HEADER}: send sha256=<hex HMAC-SHA256 of the raw body>"


class Intake(Protocol):
    """What the webhook needs of the feedback feature's intake service."""

    def now(self) -> datetime:
        """The time stamped on items without received_at."""
        ...

    async def accept(self, items: Sequence[FeedbackItem]) -> IntakeResult:
        """Store the items in one transaction."""
        ...


def signature(secret: str, body: bytes) -> str:
    """The header value a sender computes: `sha256=<hex HMAC-SHA256 of the body>`."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def signature_valid(secret: str, body: bytes, header: str | None) -> bool:
    """Whether the header signs the body with the secret (compared in constant time)."""
    if not header:
        return False
    return hmac.compare_digest(signature(secret, body).encode(), header.strip().encode("utf-8", "replace"))


def feedback_routes(intake: Intake, secret: str | None, path: str = "/feedback") -> list[web.RouteDef]:
    """The webhook route, bound to the intake service and the signing secret."""

    async def receive(request: web.Request) -> web.Response:
        if not secret:
            return refuse(request, 401, NO_SECRET, logged="no feedback secret is set")
        body = await read_limited(request, MAX_BODY)
        if body is None:
            return _too_large(request)
        if not signature_valid(secret, body, request.headers.get(SIGNATURE_HEADER)):
            return refuse(request, 401, BAD_SIGNATURE, logged="invalid signature")
        try:
            items = parse_body(body, request.headers.get("Content-Type"), intake.now())
        except FeedbackBodyError as error:
            # The reason may quote the body, so the log has the line number only.
            return refuse(
                request, 400, error.reason, detail={"line": error.line}, logged=f"bad item (line {error.line})"
            )
        try:
            result = await intake.accept(items)
        except Exception:
            log.exception("storing %d feedback items failed", len(items))
            return web.json_response({"error": "could not store the feedback; try again"}, status=503)
        return web.json_response({"accepted": result.accepted, "duplicates": result.duplicates}, status=202)

    return [web.post(path, receive)]


def _too_large(request: web.Request) -> web.Response:
    return refuse(request, 413, f"the body is larger than {MAX_BODY // (1024 * 1024)} MB")
