"""`POST /feedback`: HMAC-signed JSON, a JSON array or JSON Lines, accepted all or nothing.

The edge of the webhook as any chat adapter is one: it checks the signature, reads the body into records and
hands them to the core as a `RecordBatch`; the feature that takes feedback validates and stores them, and
its answer (or refusal) becomes the HTTP response.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging

from aiohttp import web

from adapters.feedback_formats.body import FeedbackBodyError, read_body
from adapters.http.body import UnreadBody, read_limited
from adapters.http.refusal import refuse
from bot.core.records import BatchHandler, RecordBatch, RecordRefused

log = logging.getLogger(__name__)

KIND = "feedback"
MAX_BODY = 5 * 1024 * 1024
SIGNATURE_HEADER = "X-Clueline-Signature"
NO_SECRET = "the feedback webhook is off: set CLUELINE_FEEDBACK_SECRET to accept feedback"
BAD_SIGNATURE = f"missing or wrong {SIGNATURE_HEADER}: send sha256=<hex HMAC-SHA256 of the raw body>"


def signature(secret: str, body: bytes) -> str:
    """The header value a sender computes: `sha256=<hex HMAC-SHA256 of the body>`."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def signature_valid(secret: str, body: bytes, header: str | None) -> bool:
    """Whether the header signs the body with the secret (compared in constant time)."""
    if not header:
        return False
    return hmac.compare_digest(signature(secret, body).encode(), header.strip().encode("utf-8", "replace"))


def feedback_routes(take: BatchHandler, secret: str | None, path: str = "/feedback") -> list[web.RouteDef]:
    """The webhook route, handing each signed body's records to `take` (the core's dispatcher)."""

    async def receive(request: web.Request) -> web.Response:
        if not secret:
            return refuse(request, 401, NO_SECRET, logged="no feedback secret is set")
        try:
            body = await read_limited(request, MAX_BODY)
        except UnreadBody as unread:
            return unread.response(request)
        if not signature_valid(secret, body, request.headers.get(SIGNATURE_HEADER)):
            return refuse(request, 401, BAD_SIGNATURE, logged="invalid signature")
        try:
            # Up to 5 MB of JSON: parsed in a thread, so other requests are answered meanwhile.
            records = await asyncio.to_thread(read_body, body, request.headers.get("Content-Type"))
        except FeedbackBodyError as error:
            return _bad_item(request, error.line, error.reason)
        try:
            taken = await take(RecordBatch(KIND, tuple(records)))
        except RecordRefused as error:
            return _bad_item(request, error.line, error.reason)
        except Exception:
            log.exception("storing %d feedback items failed", len(records))
            return web.json_response({"error": "could not store the feedback; try again"}, status=503)
        return web.json_response({"accepted": taken.accepted, "duplicates": taken.duplicates}, status=202)

    return [web.post(path, receive)]


def _bad_item(request: web.Request, line: int | None, reason: str) -> web.Response:
    # The reason may quote the body, so the log has the line number only.
    logged = "bad body" if line is None else f"bad item (line {line})"
    return refuse(request, 400, reason, detail={"line": line}, logged=logged)
