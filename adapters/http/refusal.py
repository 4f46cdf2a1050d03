"""The answer to a refused request: a short JSON reason, and one WARNING line without a traceback."""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

log = logging.getLogger("clueline.refused")


def refuse(
    request: web.Request,
    status: int,
    reason: str,
    *,
    detail: dict[str, object] | None = None,
    logged: str | None = None,
) -> web.Response:
    """`{"error": reason, **detail}` with `status`, logged as route, status and `logged` (default: reason).

    What is logged must be a fixed phrase of ours: a reason that quotes the request passes `logged` instead.
    """
    log.warning("refused %s %s: %d %s", request.method, route_of(request), status, logged or reason)
    return web.json_response({"error": reason, **(detail or {})}, status=status)


def route_of(request: web.Request) -> str:
    """The route's own pattern, not the request's path: that one is the sender's text."""
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "(no route)"


def quiet_parse_errors(record: logging.LogRecord) -> bool:
    """A log filter for `aiohttp.server`: a request aiohttp refused as unparsable HTTP (already a 400) is one
    WARNING line naming the error's kind; aiohttp would log it at ERROR with a traceback quoting the bytes."""
    error = record.exc_info[1] if record.exc_info else None
    if isinstance(error, HttpProcessingError) and 400 <= error.code < 500:
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        record.msg, record.args = (
            "refused a request that is not valid HTTP: %d %s",
            (
                error.code,
                type(error).__name__,
            ),
        )
        record.exc_info, record.exc_text = None, None
    return True


def install_parse_error_filter() -> None:
    """Put `quiet_parse_errors` on aiohttp's server log (once)."""
    server_log = logging.getLogger("aiohttp.server")
    if quiet_parse_errors not in server_log.filters:
        server_log.addFilter(quiet_parse_errors)
