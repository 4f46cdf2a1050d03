"""The LLM answer writer, timed and its failures counted for /metrics (the answer itself is unchanged)."""

from __future__ import annotations

import time

from bot.metrics import Metrics
from knowledge.answer import AnswerWriter


class MeasuredWriter:
    """An AnswerWriter that records each call's latency, and a fallback when it fails, times out or is empty."""

    def __init__(self, writer: AnswerWriter, metrics: Metrics) -> None:
        self._writer = writer
        self._metrics = metrics

    async def write(self, system: str, prompt: str) -> str:
        """The wrapped writer's reply."""
        started = time.perf_counter()
        reply = ""
        try:
            reply = await self._writer.write(system, prompt)
            return reply
        finally:
            # BaseException included: the answer's timeout cancels us, and the extractive answer is used.
            self._metrics.llm_latency.observe(time.perf_counter() - started)
            if not reply.strip():
                self._metrics.llm_fallbacks.inc()
