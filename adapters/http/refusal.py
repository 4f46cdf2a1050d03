"""The answer to a refused request: a short JSON reason, and one WARNING line without a traceback."""

from __future__ import annotations

import logging

from aiohttp import web

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
    log.warning("refused %s %s: %d %s", request.method, _route(request), status, logged or reason)
    return web.json_response({"error": reason, **(detail or {})}, status=status)


def _route(request: web.Request) -> str:
    # The route's own pattern, not the request's path: that one is the sender's text.
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "(no route)"
