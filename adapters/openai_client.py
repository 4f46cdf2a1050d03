"""The OpenAI client as the LLM and embeddings adapters make it, for any OpenAI-compatible server."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from openai import AsyncOpenAI


def async_client(*, api_key: str | None, base_url: str | None, timeout: float) -> AsyncOpenAI:
    """A client with a placeholder key for servers that need none (it refuses to start without one) and one
    retry at most: a slow or failing server must not hold an employee's answer for long."""
    # Imported here, not at the top: the package takes 0.7 s of CPU to import, and only a process with a
    # model configured needs it (every `serve` and event process starts without paying for it).
    from openai import AsyncOpenAI

    return AsyncOpenAI(api_key=api_key or "not-needed", base_url=base_url, timeout=timeout, max_retries=1)
