"""A sender who sends a body slowly, or goes before it ends, holds no memory for long and causes no fault of ours."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import AsyncIterator, Iterator

import pytest
import requests
from aiohttp import web
from aiohttp.test_utils import TestServer

from adapters.http.body import BODIES_IN_FLIGHT_PER_DOOR, UnreadBody, read_limited
from adapters.teams.base import MAX_ACTIVITY_BYTES
from tests.security.conftest import Target
from tests.slack.payloads import direct_message, event_body, signed_headers
from tests.teams.shapes import personal_message


def _send_part_of_a_body(url: str, path: str, declared: int, sent: bytes, headers: str = "") -> None:
    """Declare a body of `declared` bytes, send only `sent`, and close the connection."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as connection:
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n{headers}"
            f"Content-Length: {declared}\r\n\r\n"
        )
        connection.sendall(head.encode() + sent)
        time.sleep(0.2)


@pytest.mark.parametrize("path", ["/slack/events", "/feedback", "/api/messages"])
def test_a_sender_who_goes_mid_body_is_one_warning_line_not_a_500(target: Target, path: str) -> None:
    before = target.server.output()
    # Teams' door reads no body without a valid token (Slack's and the webhook's signatures cover the body).
    token = (
        f"Authorization: Bearer {target.teams.token(target.teams.url)}\r\n" if path == "/api/messages" else ""
    )
    _send_part_of_a_body(target.url, path, 100_000, b'{"type": "event_callback", "text": "', token)
    time.sleep(0.5)
    after = target.server.output()[len(before) :]
    assert f"refused POST {path}: 400 the connection closed before the body ended" in after
    assert "Traceback" not in after and "Error handling request" not in after
    assert '" 500 ' not in after


def _start_a_body(url: str, declared: int, sent: int, path: str = "/feedback") -> socket.socket:
    """A connection to `path` that declares a JSON body of `declared` bytes and has sent `sent` of them (or as
    much as the server took before it answered)."""
    host, port = url.removeprefix("http://").split(":")
    connection = socket.create_connection((host, int(port)), timeout=10)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {declared}\r\n\r\n"
    )
    with contextlib.suppress(OSError):  # refused mid-body, the rest is not taken
        connection.sendall(head.encode() + b" " * sent)
    return connection


@contextlib.contextmanager
def webhooks_room_filled(url: str) -> Iterator[None]:
    """Senders who each declare a body just under the webhook's 5 MB and send part of it, holding it open (no
    secret is needed to make the server keep what has arrived until the body ends), to the last byte of the
    webhook's room, until one more sender is refused."""
    declared, sent = 5 * 1024 * 1024 - 1, 4_900_000
    large, rest = divmod(BODIES_IN_FLIGHT_PER_DOOR, sent)
    held = [_start_a_body(url, declared, sent) for _ in range(large)]
    held.append(_start_a_body(url, declared, rest))
    try:
        time.sleep(1.0)  # the server has read what each sent
        with _start_a_body(url, declared, 1000) as one_more:
            answer = one_more.recv(4096).decode()
        assert answer.startswith("HTTP/1.1 429"), answer[:200]
        assert "Retry-After: 2" in answer and "too many request bodies are arriving at once" in answer
        yield
    finally:
        for connection in held:
            connection.close()


def test_many_large_bodies_at_once_are_refused_with_429_beyond_the_room_for_them(target: Target) -> None:
    with webhooks_room_filled(target.url):
        pass
    time.sleep(0.5)
    # The room comes back as those senders go: the next request is read (and refused only for its signature).
    after = requests.post(f"{target.url}/feedback", data=b'{"id": "1"}', timeout=10)
    assert after.status_code == 401


def test_senders_filling_the_webhooks_room_keep_no_slack_event_out(target: Target) -> None:
    # The webhook's door is open to anyone (its signature is checked once the body is in); Slack's events come
    # through a door of their own, with room of their own.
    body = event_body(direct_message("help", ts="1700000777.000100"), "Ev-beside-the-flood")
    with webhooks_room_filled(target.url):
        answer = requests.post(
            f"{target.url}/slack/events",
            data=body.encode(),
            headers=signed_headers(body, content_type="application/json"),
            timeout=10,
        )
    assert answer.status_code == 200, answer.text


def test_outsiders_sending_large_bodies_to_teams_door_keep_no_activity_out(target: Target) -> None:
    # Without a token each is refused on its headers, before its body is read. Otherwise, together they would
    # hold the door's room (32 MB) to its last byte while they send, and no activity would get in.
    declared, sent = MAX_ACTIVITY_BYTES - 1, MAX_ACTIVITY_BYTES - 20_000
    large, rest = divmod(BODIES_IN_FLIGHT_PER_DOOR, sent)
    held = [_start_a_body(target.url, declared, sent, "/api/messages") for _ in range(large)]
    held.append(_start_a_body(target.url, declared, rest, "/api/messages"))
    try:
        time.sleep(1.0)  # the server has taken what each sent
        teams = target.teams
        activity = personal_message(teams.url, "help", aad="aad-beside-the-outsiders")
        assert target.server.post(activity, teams.token(teams.url)).status_code == 200
        answers = [connection.recv(4096).decode() for connection in held]
        assert all(answer.startswith("HTTP/1.1 401") for answer in answers), {a[:40] for a in answers}
    finally:
        for connection in held:
            connection.close()


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
