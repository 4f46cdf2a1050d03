"""The OpenAI-compatible client behind `knowledge.answer.AnswerWriter` (any server speaking /v1/chat/completions)."""

from __future__ import annotations

import logging

from adapters.openai_client import async_client
from bot.settings import Settings

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_SECONDS = 15.0
TIMEOUT_SETTING = "CLUELINE_LLM_TIMEOUT_SECONDS"
TEMPERATURE = 0.1
MAX_ANSWER_TOKENS = 600


class OpenAIAnswerWriter:
    """Writes grounded answers with a chat model; errors propagate so the caller can fall back."""

    def __init__(
        self,
        *,
        model: str,
        api_key: str | None,
        base_url: str | None,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        self.model = model
        self._client = async_client(api_key=api_key, base_url=base_url, timeout=timeout)

    async def write(self, system: str, prompt: str) -> str:
        """The model's reply to the prompt under the system instructions."""
        completion = await self._client.chat.completions.create(
            model=self.model,
            messages=[{"role": "system", "content": system}, {"role": "user", "content": prompt}],
            temperature=TEMPERATURE,
            max_tokens=MAX_ANSWER_TOKENS,
        )
        if not completion.choices:
            return ""
        return completion.choices[0].message.content or ""

    async def close(self) -> None:
        """Close the HTTP connections of the client."""
        await self._client.close()


def _timeout(settings: Settings) -> float:
    raw = settings.extra.get(TIMEOUT_SETTING, "").strip()
    if not raw:
        return DEFAULT_TIMEOUT_SECONDS
    try:
        value = float(raw)
    except ValueError:
        log.warning("%s is not a number (%r); using %s s", TIMEOUT_SETTING, raw, DEFAULT_TIMEOUT_SECONDS)
        return DEFAULT_TIMEOUT_SECONDS
    return value if value > 0 else DEFAULT_TIMEOUT_SECONDS


def from_settings(settings: Settings) -> OpenAIAnswerWriter | None:
    """The configured answer writer, or None when no OpenAI-compatible server is set."""
    if not settings.llm_enabled:
        return None
    return OpenAIAnswerWriter(
        model=settings.llm_model,
        api_key=settings.openai_api_key,
        base_url=settings.openai_base_url,
        timeout=_timeout(settings),
    )
