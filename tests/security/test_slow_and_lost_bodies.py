"""A sender who sends a body slowly, or goes before it ends, holds no memory for long and causes no fault of ours."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from adapters.http.body import UnreadBody, read_limited
from tests.security.conftest import Target


def _send_part_of_a_body(url: str, path: str, declared: int, sent: bytes) -> None:
    """Declare a body of `declared` bytes, send only `sent`, and close the connection."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as connection:
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {declared}\r\n\r\n"
        )
        connection.sendall(head.encode() + sent)
        time.sleep(0.2)


@pytest.mark.parametrize("path", ["/slack/events", "/feedback", "/api/messages"])
def test_a_sender_who_goes_mid_body_is_one_warning_line_not_a_500(target: Target, path: str) -> None:
    before = target.server.output()
    _send_part_of_a_body(target.url, path, 100_000, b'{"type": "event_callback", "text": "')
    time.sleep(0.5)
    after = target.server.output()[len(before) :]
    assert f"refused POST {path}: 400 the connection closed before the body ended" in after
    assert "Traceback" not in after and "Error handling request" not in after
    assert '" 500 ' not in after


@pytest.fixture
async def slow_door() -> AsyncIterator[TestServer]:
    """A route reading its body as the product's routes do, with a deadline of half a second."""

    async def door(request: web.Request) -> web.Response:
        try:
            body = await read_limited(request, 1024 * 1024, seconds=0.5)
        except UnreadBody as unread:
            return web.json_response({"error": unread.reason}, status=unread.status)
        return web.json_response({"bytes": len(body)})

    app = web.Application()
    app.router.add_post("/door", door)
    server = TestServer(app)
    await server.start_server()
    yield server
    await server.close()


async def test_a_body_dripped_slower_than_the_deadline_is_refused_with_408(slow_door: TestServer) -> None:
    reader, writer = await asyncio.open_connection(slow_door.host, slow_door.port)
    writer.write(b"POST /door HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n")
    started = time.monotonic()
    writer.write(b"x")  # one byte of a thousand, then nothing: a drip would hold the connection for minutes
    answer = (await asyncio.wait_for(reader.read(4096), 5)).decode()
    writer.close()
    assert answer.startswith("HTTP/1.1 408")
    assert "did not arrive within 0.5 seconds" in answer
    assert time.monotonic() - started < 3


async def test_a_body_sent_in_time_is_read_whole(slow_door: TestServer) -> None:
    reader, writer = await asyncio.open_connection(slow_door.host, slow_door.port)
    writer.write(b"POST /door HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\nConnection: close\r\n\r\nabc")
    await asyncio.sleep(0.1)
    writer.write(b"def")
    answer = (await asyncio.wait_for(reader.read(4096), 5)).decode()
    writer.close()
    assert answer.startswith("HTTP/1.1 200") and '{"bytes": 6}' in answer
