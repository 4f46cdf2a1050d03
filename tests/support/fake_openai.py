"""A local OpenAI-compatible server for tests: speaks POST /v1/chat/completions and records each request.

Point the product at it through settings (OPENAI_BASE_URL = `server.base_url`), never by patching.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

Reply = Callable[[list[dict[str, Any]]], str]
_PASSAGE = re.compile(r"^\[(\d+)\] (.+)$", re.MULTILINE)


def cite_first_passage(messages: list[dict[str, Any]]) -> str:
    """A grounded-looking reply that names the first passage's title and cites it as [1]."""
    prompt = str(messages[-1].get("content", ""))
    found = _PASSAGE.search(prompt)
    if found is None:
        return "NO_ANSWER"
    return f"According to {found.group(2)}, here is how it works [1]."


@dataclass
class FakeOpenAI:
    """The server's behaviour (reply, HTTP status, delay) can change between requests."""

    reply: Reply = cite_first_passage
    status: int = 200
    delay_seconds: float = 0.0
    requests: list[dict[str, Any]] = field(default_factory=list)
    authorizations: list[str] = field(default_factory=list)
    _runner: web.AppRunner | None = None
    _port: int = 0
    _ids: itertools.count[int] = field(default_factory=itertools.count)
    _released: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def base_url(self) -> str:
        """What OPENAI_BASE_URL should be."""
        return f"http://127.0.0.1:{self._port}/v1"

    def prompts(self) -> list[str]:
        """The user message of every request received."""
        return [str(r["messages"][-1]["content"]) for r in self.requests]

    async def start(self) -> None:
        """Listen on a free local port."""
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._completions)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        sockets = getattr(site._server, "sockets", None)
        assert sockets, "the fake server did not bind"
        self._port = int(sockets[0].getsockname()[1])

    async def stop(self) -> None:
        """Stop listening (a request held by `delay_seconds` is let go first)."""
        self._released.set()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _completions(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append(body)
        self.authorizations.append(request.headers.get("Authorization", ""))
        if self.delay_seconds:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._released.wait(), self.delay_seconds)
        if self.status != 200:
            return web.json_response(
                {"error": {"message": "the fake server was told to fail", "type": "server_error"}},
                status=self.status,
            )
        content = self.reply(body["messages"])
        return web.json_response(
            {
                "id": f"chatcmpl-fake-{next(self._ids)}",
                "object": "chat.completion",
                "created": 1_700_000_000,
                "model": body.get("model", "fake"),
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": content},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            }
        )
