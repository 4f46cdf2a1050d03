"""A local OpenAI-compatible server for tests: speaks POST /v1/chat/completions and POST /v1/embeddings, and
records each request.

Point the product at it through settings (OPENAI_BASE_URL = `server.base_url`), never by patching.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import itertools
import re
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

Reply = Callable[[list[dict[str, Any]]], str]
_PASSAGE = re.compile(r"^\[(\d+)\] (.+)$", re.MULTILINE)
_WORD = re.compile(r"[a-z0-9]+")

EMBEDDING_WIDTH = 512
# Words people type for the words Northpine's docs use: a paraphrase lands near its passage, as with a real
# model, while sharing no word with it (which is what lets a test tell dense retrieval from lexical).
EMBEDDING_SYNONYMS = {
    "lender": "bank",
    "lenders": "bank",
    "permission": "consent",
    "again": "renew",
}
_EMBEDDING_STOP_WORDS = frozenset(
    _WORD.findall("a an and are do does for how i in is it my of on or the to what when why with you your")
)


def bag_of_words_vector(text: str) -> list[float]:
    """A deterministic embedding: lower-cased words (synonyms folded together) hashed into buckets."""
    vector = [0.0] * EMBEDDING_WIDTH
    for word in _WORD.findall(text.lower()):
        if word in _EMBEDDING_STOP_WORDS:
            continue
        canonical = EMBEDDING_SYNONYMS.get(word, word.removesuffix("s") if len(word) > 3 else word)
        bucket = int.from_bytes(hashlib.sha256(canonical.encode()).digest()[:4], "big") % EMBEDDING_WIDTH
        vector[bucket] += 1.0
    norm = sum(x * x for x in vector) ** 0.5
    return [x / norm for x in vector] if norm else vector


def _encoded(vector: list[float], encoding_format: str) -> list[float] | str:
    if encoding_format == "base64":
        return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode("ascii")
    return vector


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
    # The embeddings endpoint fails or stalls on its own, so a test can break it and not the chat model.
    embedding_status: int = 200
    embedding_delay_seconds: float = 0.0
    embedding_requests: list[dict[str, Any]] = field(default_factory=list)
    embedding_authorizations: list[str] = field(default_factory=list)
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

    def embedded_texts(self) -> list[str]:
        """Every text the embeddings endpoint was asked for, in order."""
        texts: list[str] = []
        for r in self.embedding_requests:
            texts.extend([r["input"]] if isinstance(r["input"], str) else r["input"])
        return texts

    async def start(self) -> None:
        """Listen on a free local port."""
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._completions)
        app.router.add_post("/v1/embeddings", self._embeddings)
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

    async def _stall_or_fail(self, delay_seconds: float, status: int) -> web.Response | None:
        """Hold the request as told, then the error response to send (None: answer normally)."""
        if delay_seconds:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._released.wait(), delay_seconds)
        if status == 200:
            return None
        return web.json_response(
            {"error": {"message": "the fake server was told to fail", "type": "server_error"}}, status=status
        )

    async def _completions(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append(body)
        self.authorizations.append(request.headers.get("Authorization", ""))
        failure = await self._stall_or_fail(self.delay_seconds, self.status)
        if failure is not None:
            return failure
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

    async def _embeddings(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.embedding_requests.append(body)
        self.embedding_authorizations.append(request.headers.get("Authorization", ""))
        failure = await self._stall_or_fail(self.embedding_delay_seconds, self.embedding_status)
        if failure is not None:
            return failure
        texts = [body["input"]] if isinstance(body["input"], str) else body["input"]
        if not texts or any(not isinstance(t, str) or not t for t in texts):
            return web.json_response(
                {
                    "error": {
                        "message": "'input' must hold non-empty strings",
                        "type": "invalid_request_error",
                    }
                },
                status=400,
            )
        encoding_format = body.get("encoding_format", "float")
        return web.json_response(
            {
                "object": "list",
                "data": [
                    {
                        "object": "embedding",
                        "index": i,
                        "embedding": _encoded(bag_of_words_vector(t), encoding_format),
                    }
                    for i, t in enumerate(texts)
                ],
                "model": body.get("model", "fake"),
                "usage": {"prompt_tokens": len(texts), "total_tokens": len(texts)},
            }
        )
