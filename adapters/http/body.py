"""Reading a request body with a size limit and a deadline, whether or not the sender declared its length."""

from __future__ import annotations

import asyncio

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

# A body is read whole before its signature can be checked, so an unauthenticated sender holds its bytes in memory
# while it sends: it must finish within this time (a chat platform's retries and a webhook's body arrive in well
# under a second).
BODY_SECONDS = 30.0


class UnreadBody(Exception):
    """The body was not read: the answer's status and reason say why."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


async def read_limited(request: web.Request, limit: int, *, seconds: float = BODY_SECONDS) -> bytes:
    """The raw body; UnreadBody when it is (or says it is) larger than `limit` bytes, takes longer than `seconds`
    to arrive, or the sender goes before it ends."""
    if request.content_length is not None and request.content_length > limit:
        raise UnreadBody(413, _too_large(limit))
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(seconds):
            # Chunked bodies carry no length to check first, so the count is kept while reading.
            async for chunk in request.content.iter_chunked(64 * 1024):
                size += len(chunk)
                if size > limit:
                    raise UnreadBody(413, _too_large(limit))
                chunks.append(chunk)
    except TimeoutError:
        raise UnreadBody(408, f"the body did not arrive within {seconds:g} seconds") from None
    except (ConnectionError, HttpProcessingError):
        # The sender closed the connection (or broke the chunked framing) mid-body: no fault of ours.
        raise UnreadBody(400, "the connection closed before the body ended") from None
    return b"".join(chunks)


def _too_large(limit: int) -> str:
    megabytes = limit / (1024 * 1024)
    return f"the body is larger than {megabytes:g} MB"
