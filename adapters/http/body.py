"""Reading a request body with a size limit and a deadline, whether or not the sender declared its length."""

from __future__ import annotations

import asyncio

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from adapters.http.refusal import refuse, route_of

# A body is read whole before its signature can be checked, so an unauthenticated sender holds its bytes in memory
# while it sends: it must finish within this time (a chat platform's retries and a webhook's body arrive in well
# under a second).
BODY_SECONDS = 30.0
# Bytes of bodies being read at once through one door (route) of the process: each body may be up to its route's
# limit (5 MB for the webhook), and a sender without any secret could otherwise open hundreds at a time and
# hold all of them in memory. Each door has room of its own, so that senders filling one (the webhook's, which
# anyone may reach) do not keep Slack's events or Teams' activities out.
BODIES_IN_FLIGHT_PER_DOOR = 32 * 1024 * 1024
# A sender refused for lack of room may try again this many seconds later.
RETRY_SECONDS = 2


class UnreadBody(Exception):
    """The body was not read: the answer's status and reason say why."""

    def __init__(self, status: int, reason: str, *, retry_after: int | None = None) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.retry_after = retry_after

    def response(self, request: web.Request) -> web.Response:
        """The refusal to answer with (logged as any refusal is)."""
        answer = refuse(request, self.status, self.reason)
        if self.retry_after is not None:
            answer.headers["Retry-After"] = str(self.retry_after)
        return answer


class BodyBudget:
    """The room for bodies being read at once in this process; a read takes room as its bytes arrive and gives
    it back when it ends."""

    def __init__(self, limit: int = BODIES_IN_FLIGHT_PER_DOOR) -> None:
        self.limit = limit
        self.in_flight = 0

    def take(self, size: int) -> bool:
        """Take room for `size` more bytes; False (taking none) when there is not that much left."""
        if self.in_flight + size > self.limit:
            return False
        self.in_flight += size
        return True

    def give_back(self, size: int) -> None:
        """Return room taken by a read that ended."""
        self.in_flight -= size


class BodyRooms:
    """A BodyBudget per door (the route's pattern, never the sender's path), made on the door's first request."""

    def __init__(self, limit: int = BODIES_IN_FLIGHT_PER_DOOR) -> None:
        self.limit = limit
        self._rooms: dict[str, BodyBudget] = {}

    def of(self, door: str) -> BodyBudget:
        """The room of one door."""
        room = self._rooms.get(door)
        if room is None:
            room = self._rooms[door] = BodyBudget(self.limit)
        return room


# Where the HTTP app keeps its BodyRooms (the composition root puts them there; without them, reads are unshared).
BODY_ROOMS = web.AppKey("body_rooms", BodyRooms)


async def read_limited(request: web.Request, limit: int, *, seconds: float = BODY_SECONDS) -> bytes:
    """The raw body; UnreadBody when it is compressed, is (or says it is) larger than `limit` bytes, takes longer
    than `seconds` to arrive, or the sender goes before it ends."""
    if request.headers.get("Content-Encoding", "identity").strip().lower() != "identity":
        # Never inflated (the app serves with aiohttp's auto_decompress off): Slack, Teams and webhook senders
        # send plain bodies, and a small packed one can unpack to gigabytes.
        raise UnreadBody(415, "compressed bodies are not accepted; send it without Content-Encoding")
    if request.content_length is not None and request.content_length > limit:
        raise UnreadBody(413, _too_large(limit))
    rooms = request.app.get(BODY_ROOMS)
    budget = rooms.of(route_of(request)) if rooms is not None else BodyBudget(limit)
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(seconds):
            # Chunked bodies carry no length to check first, so the count is kept while reading.
            async for chunk in request.content.iter_chunked(64 * 1024):
                if size + len(chunk) > limit:
                    raise UnreadBody(413, _too_large(limit))
                if not budget.take(len(chunk)):
                    raise UnreadBody(429, _BUSY, retry_after=RETRY_SECONDS)
                size += len(chunk)
                chunks.append(chunk)
    except TimeoutError:
        raise UnreadBody(408, f"the body did not arrive within {seconds:g} seconds") from None
    except (ConnectionError, HttpProcessingError):
        # The sender closed the connection (or broke the chunked framing) mid-body: no fault of ours.
        raise UnreadBody(400, "the connection closed before the body ended") from None
    finally:
        budget.give_back(size)
    return b"".join(chunks)


_BUSY = "too many request bodies are arriving at once; try again in a few seconds"


def _too_large(limit: int) -> str:
    megabytes = limit / (1024 * 1024)
    return f"the body is larger than {megabytes:g} MB"
