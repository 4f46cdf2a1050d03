"""A local fake of the Slack Web API that records every call; point `SLACK_API_URL` at `fake.url`.

In-process: `async with FakeSlack() as fake: ...`. As a process: `python -m tests.support.fake_slack --port N
[--log calls.jsonl]` prints its URL and appends one JSON line per call to the log.

Switches: `rate_limit(method, retry_after, seconds)` answers 429 with Retry-After for a while;
`stall(method, seconds)` holds each call of a method that long (a platform that hangs);
`enforce_rate(method, per_second)` answers 429 beyond N calls in any one second (`per_channel=True`: in any
one channel); one channel); `errors[channel] = "code"` makes chat calls to that channel fail with that Slack error;
tokens in `revoked_tokens` are answered invalid_auth; `hold_answers_after(method, n)` accepts every later call
(a post lands in the channel's history) but holds its answer until `release_held()` (a sender killed there
never learns its post went out).
Posted messages keep their `metadata` and are read back by conversations.history as Slack does: newest first,
after `oldest`, at most `limit`, metadata only with `include_all_metadata`; conversations.open names a DM.
`most_in_one_second(method)` is the most calls that arrived in any one-second window (per channel).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

Json = dict[str, Any]


@dataclass
class Call:
    """One request the fake received."""

    method: str
    body: Json
    headers: dict[str, str]
    received_at: float  # time.monotonic() on arrival
    answered_at: float = 0.0
    status: int = 200

    @property
    def ok(self) -> bool:
        """The fake answered 200 with ok=true."""
        return self.status == 200 and not self.body.get("_error")


@dataclass
class _Window:
    until: float
    retry_after: int


@dataclass
class _Failure:
    left: int
    status: int
    posted: bool


@dataclass
class FakeSlack:
    """The fake server; its data (users, channels, user groups) can be set before or during a test."""

    team_id: str = "T0001"
    bot_user_id: str = "UBOT"
    bot_id: str = "BBOT"
    host: str = "127.0.0.1"
    port: int = 0
    log_path: Path | None = None
    users: dict[str, Json] = field(default_factory=dict)
    members: dict[str, list[str]] = field(default_factory=dict)
    usergroups: dict[str, list[str]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # channel -> Slack error code
    revoked_tokens: set[str] = field(default_factory=set)  # calls with these bot tokens get invalid_auth
    calls: list[Call] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._runner: web.AppRunner | None = None
        self._last_ts = 0.0
        self.history: dict[str, list[Json]] = {}  # channel -> posted messages, oldest first
        self._hold_after: dict[str, int] = {}
        self._accepted: dict[str, int] = {}  # method -> calls answered ok so far (counted, not searched for)
        self._released = asyncio.Event()
        self.held = 0  # answers held back so far
        self._limited: dict[str, _Window] = {}
        self._failing: dict[str, _Failure] = {}
        self._enforced: dict[str, float] = {}
        self._per_channel: set[str] = set()
        self._recent: dict[str, deque[float]] = {}
        self._changed = asyncio.Event()
        self._stalled: dict[str, float] = {}
        self._unstalled = asyncio.Event()
        self._sockets: list[web.WebSocketResponse] = []
        self.socket_acks: list[Json] = []
        self.uploads: list[bytes] = []  # file contents, in the order they were uploaded
        self.url = ""

    # ---- lifecycle --------------------------------------------------------------------------------

    async def __aenter__(self) -> FakeSlack:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._handle)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://{self.host}:{port}/api/"
        return self

    async def __aexit__(self, *_: object) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # ---- switches ---------------------------------------------------------------------------------

    def rate_limit(self, method: str, retry_after: int = 2, seconds: float = 3.0) -> None:
        """Answer `method` with 429 and Retry-After for the next `seconds`."""
        self._limited[method] = _Window(time.monotonic() + seconds, retry_after)

    def stall(self, method: str, seconds: float) -> None:
        """Hold every call of `method` for `seconds` before answering (0: answer at once again)."""
        self._stalled[method] = seconds
        if not seconds:
            self._unstalled.set()
            self._unstalled = asyncio.Event()

    def enforce_rate(self, method: str, per_second: float, *, per_channel: bool = False) -> None:
        """Answer 429 (Retry-After: 1) to calls of `method` beyond `per_second` in any one second (of a channel)."""
        self._enforced[method] = per_second
        if per_channel:
            self._per_channel.add(method)

    def fail_next(self, method: str, count: int, *, status: int = 503, posted: bool = False) -> None:
        """Answer the next `count` calls of `method` with `status` and a proxy's plain-text body (no JSON);
        `posted`: take the call first (a post lands in its channel), as when Slack's answer is what failed."""
        self._failing[method] = _Failure(count, status, posted)

    def hold_answers_after(self, method: str, count: int) -> None:
        """Accept the calls of `method` after the first `count` accepted ones but hold their answers."""
        self._hold_after[method] = count

    def release_held(self) -> None:
        """Answer every held call, and hold no more."""
        self._hold_after.clear()
        self._released.set()

    def add_user(self, user_id: str, **fields: Any) -> None:
        """A workspace member; fields like is_bot, deleted, is_restricted, tz override the defaults."""
        self.users[user_id] = {
            "id": user_id,
            "team_id": self.team_id,
            "name": user_id.lower(),
            "deleted": False,
            "is_bot": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "tz": "Europe/Paris",
            "profile": {"display_name": f"Person {user_id}", "email": f"{user_id.lower()}@example.com"},
            **fields,
        }

    # ---- what happened ----------------------------------------------------------------------------

    def calls_to(self, method: str, *, ok_only: bool = False) -> list[Call]:
        """The calls of one method, in arrival order."""
        return [c for c in self.calls if c.method == method and (c.ok or not ok_only)]

    def most_in_one_second(self, method: str, *, per_channel: bool = False) -> int:
        """The most calls of `method` (answered or refused) that arrived within any one second."""
        groups: dict[str, list[float]] = {}
        for call in self.calls_to(method):
            channel = str(call.body.get("channel") or "") if per_channel else ""
            groups.setdefault(channel, []).append(call.received_at)
        return max((_most_within(sorted(times), 1.0) for times in groups.values()), default=0)

    async def wait_for(
        self, method: str, count: int = 1, timeout: float = 15.0, *, ok_only: bool = True
    ) -> list[Call]:
        """Wait until `count` calls of `method` arrived; raises TimeoutError with what did arrive."""
        deadline = time.monotonic() + timeout
        while len(self.calls_to(method, ok_only=ok_only)) < count:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                seen = [(c.method, c.status) for c in self.calls]
                raise TimeoutError(f"expected {count} {method} calls, got: {seen}")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), timeout=min(remaining, 0.5))
        return self.calls_to(method, ok_only=ok_only)

    async def push_socket(self, kind: str, payload: Json, envelope_id: str) -> None:
        """Send one Socket Mode envelope (events_api, interactive, slash_commands) to every connected app."""
        for _ in range(100):
            if self._sockets:
                break
            await asyncio.sleep(0.05)
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": False,
        }
        for ws in self._sockets:
            await ws.send_json(envelope)

    # ---- handlers ---------------------------------------------------------------------------------

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_json({"type": "hello", "num_connections": 1, "debug_info": {"host": "fake"}})
        async for message in ws:
            if message.type.name == "TEXT":
                self.socket_acks.append(json.loads(message.data))
                self._changed.set()
        self._sockets.remove(ws)
        return ws

    async def _body(self, request: web.Request) -> Json:
        body: Json = dict(request.query)
        raw = await request.read()
        if not raw:
            return body
        if request.content_type == "application/json":
            body.update(json.loads(raw))
        elif request.content_type == "application/x-www-form-urlencoded":
            body.update(parse_qsl(raw.decode()))
        return body

    def _limit(self, method: str, body: Json, now: float) -> int | None:
        window = self._limited.get(method)
        if window is not None and now < window.until:
            return window.retry_after
        per_second = self._enforced.get(method)
        if per_second is not None:
            key = f"{method}:{body.get('channel')}" if method in self._per_channel else method
            recent = self._recent.setdefault(key, deque())
            while recent and recent[0] <= now - 1.0:
                recent.popleft()
            if len(recent) >= per_second:
                return 1
            recent.append(now)
        return None

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        now = time.monotonic()
        body = await self._body(request)
        call = Call(method, body, {k: v for k, v in request.headers.items()}, now)
        self.calls.append(call)
        if self._stalled.get(method):
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._unstalled.wait(), self._stalled[method])
        retry_after = self._limit(method, body, now)
        failure = self._failing.get(method)
        if failure is not None and failure.left > 0:
            failure.left -= 1
            if failure.posted:
                self._answer(method, body, request)
            call.status = failure.status
            response = web.Response(
                status=failure.status, text="upstream connect error or disconnect/reset before headers"
            )
        elif retry_after is not None:
            call.status = 429
            response = web.json_response(
                {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": str(retry_after)}
            )
        else:
            answer = self._answer(method, body, request)
            if not answer.get("ok"):
                call.body["_error"] = answer.get("error")
            response = web.json_response(answer)
            if answer.get("ok"):
                self._accepted[method] = self._accepted.get(method, 0) + 1
            if answer.get("ok") and self._accepted[method] > self._hold_after.get(method, 1 << 62):
                self.held += 1
                self._changed.set()
                await self._released.wait()
        call.answered_at = time.monotonic()
        self._record(call)
        self._changed.set()
        return response

    def _record(self, call: Call) -> None:
        if self.log_path is None:
            return
        line = {"method": call.method, "body": call.body, "status": call.status, "at": call.received_at}
        with self.log_path.open("a") as log:
            log.write(json.dumps(line, default=str) + "\n")

    async def _upload(self, request: web.Request) -> web.Response:
        self.uploads.append(await request.read())
        return web.Response(text="OK")

    def _next_ts(self) -> str:
        # Slack's ts is the Unix time of the post, unique per channel: `oldest` filters compare with it.
        self._last_ts = max(time.time(), self._last_ts + 0.000001)
        return f"{self._last_ts:.6f}"

    def _post(self, channel: str, body: Json) -> Json:
        message: Json = {
            "type": "message",
            "ts": self._next_ts(),
            "text": body.get("text"),
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
        }
        metadata = body.get("metadata")
        if isinstance(metadata, str):  # form-encoded calls carry it as a JSON string
            metadata = json.loads(metadata)
        if metadata:
            message["metadata"] = metadata
        if body.get("thread_ts"):
            message["thread_ts"] = str(body["thread_ts"])
        self.history.setdefault(channel, []).append(message)
        return message

    def _history(self, channel: str, body: Json, thread: str | None = None) -> Json:
        """conversations.history (newest first, without thread replies) or, given `thread`,
        conversations.replies (that thread's first message and its replies, oldest first)."""
        oldest = float(body.get("oldest") or 0)
        inclusive = str(body.get("inclusive", "")).lower() in ("true", "1")
        limit = int(body.get("limit") or 100)
        with_metadata = str(body.get("include_all_metadata", "")).lower() in ("true", "1")
        posted = self.history.get(channel, [])
        if thread is None:
            listed = [m for m in reversed(posted) if m.get("thread_ts") in (None, m["ts"])]
        else:
            listed = [m for m in posted if thread in (m["ts"], m.get("thread_ts"))]
        found = [m for m in listed if float(m["ts"]) > oldest or (inclusive and float(m["ts"]) == oldest)]
        page = [
            m if with_metadata else {k: v for k, v in m.items() if k != "metadata"} for m in found[:limit]
        ]
        return {"ok": True, "messages": page, "has_more": len(found) > limit}

    def _answer(self, method: str, body: Json, request: web.Request) -> Json:
        if request.headers.get("Authorization", "").removeprefix("Bearer ") in self.revoked_tokens:
            return {"ok": False, "error": "invalid_auth"}
        channel = str(body.get("channel") or "")
        if channel in self.errors and method.startswith("chat."):
            return {"ok": False, "error": self.errors[channel]}
        if method == "apps.connections.open":
            return {"ok": True, "url": f"ws://{request.host}/socket"}
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://fake.slack.test/",
                "team": "Fake",
                "user": "clueline",
                "team_id": self.team_id,
                "user_id": self.bot_user_id,
                "bot_id": self.bot_id,
            }
        if method == "chat.postMessage":
            # Posting to a user id lands in the bot's DM with them, which Slack names D...
            real = _direct(channel)
            message = self._post(real, body)
            return {"ok": True, "channel": real, "ts": message["ts"], "message": message}
        if method == "conversations.history":
            return self._history(channel, body)
        if method == "conversations.replies":
            return self._history(channel, body, thread=str(body.get("ts") or ""))
        if method == "conversations.open":
            users = str(body.get("users") or "")
            if not users or "," in users:
                return {"ok": False, "error": "users_list_not_supplied" if not users else "not_supported"}
            return {"ok": True, "channel": {"id": _direct(users)}}
        if method == "chat.update":
            return {"ok": True, "channel": channel, "ts": body.get("ts")}
        if method == "chat.delete":
            return {"ok": True, "channel": channel, "ts": body.get("ts")}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": self._next_ts()}
        if method in ("views.open", "views.publish", "views.update", "views.push"):
            return {"ok": True, "view": {"id": "V0001", **(body.get("view") or {})}}
        if method == "conversations.members":
            if channel not in self.members:
                return {"ok": False, "error": "channel_not_found"}
            return self._page(self.members[channel], body, "members")
        if method == "users.info":
            user = self.users.get(str(body.get("user")))
            return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}
        if method == "users.list":
            return self._page(list(self.users.values()), body, "members")
        if method == "usergroups.users.list":
            group = self.usergroups.get(str(body.get("usergroup")))
            return (
                {"ok": True, "users": group}
                if group is not None
                else {"ok": False, "error": "no_such_subteam"}
            )
        if method == "files.getUploadURLExternal":
            root = str(request.url.origin())
            return {"ok": True, "upload_url": f"{root}/upload/F0001", "file_id": "F0001"}
        if method == "files.completeUploadExternal":
            return {"ok": True, "files": [{"id": "F0001", "title": "chart"}]}
        if method == "oauth.v2.access":
            return {
                "ok": True,
                "app_id": "A0001",
                "access_token": "xoxb-installed",
                "token_type": "bot",
                "scope": "chat:write,commands",
                "bot_user_id": self.bot_user_id,
                "team": {"id": "T0002", "name": "Second"},
                "enterprise": None,
                "is_enterprise_install": False,
                "authed_user": {"id": "U0001"},
            }
        return {"ok": False, "error": "unknown_method"}

    @staticmethod
    def _page(items: list[Any], body: Json, key: str) -> Json:
        limit = int(body.get("limit") or 100)
        start = int(body.get("cursor") or 0)
        page = items[start : start + limit]
        more = start + limit < len(items)
        return {
            "ok": True,
            key: page,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }


def _direct(channel: str) -> str:
    """The bot's DM with a person, which Slack names D... (a channel id stays itself)."""
    return "D" + channel[1:] if channel.startswith("U") else channel


def _most_within(times: list[float], seconds: float) -> int:
    """The most of the sorted `times` inside any half-open window of `seconds`."""
    most = start = 0
    for end, at in enumerate(times):
        while times[start] <= at - seconds:
            start += 1
        most = max(most, end - start + 1)
    return most


async def _serve_forever(port: int, log_path: Path | None) -> None:
    async with FakeSlack(port=port, log_path=log_path) as fake:
        print(fake.url, flush=True)
        await asyncio.Event().wait()


def main() -> None:
    """Run the fake as a process until interrupted."""
    parser = argparse.ArgumentParser(description="A fake Slack Web API that records calls.")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--log", type=Path)
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve_forever(args.port, args.log))


if __name__ == "__main__":
    main()
