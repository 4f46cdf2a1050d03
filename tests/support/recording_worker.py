"""A real worker process for multi-process tests: drains the outbox into a RecordingAdapter's log file.

Usage: python -m tests.support.recording_worker DATABASE_URL LOG_PATH [SECONDS_PER_SEND]
It exits once the outbox has had nothing due for five seconds (longer than the 3 s lease).
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from bot.core.types import ConversationRef, OutboundMessage, SentMessage
from bot.runtime import build_runtime
from bot.settings import Settings
from tests.support.databases import TEST_SECRET_KEY
from tests.support.recording import RecordingAdapter


class SlowRecordingAdapter(RecordingAdapter):
    """Takes a while for each send, so that a test can kill the process mid-send."""

    def __init__(self, log_path: Path, seconds_per_send: float) -> None:
        super().__init__("slack", log_path)
        self._delay = seconds_per_send

    async def send(self, conversation: ConversationRef, message: OutboundMessage) -> SentMessage:
        if self._delay:
            await asyncio.sleep(self._delay)
        return await super().send(conversation, message)


async def main(url: str, log_path: Path, delay: float) -> None:
    runtime = build_runtime(Settings(secret_key=TEST_SECRET_KEY, database_url=url, outbox_lease_seconds=3))
    runtime.adapters["slack"] = SlowRecordingAdapter(log_path, delay)
    worker = runtime.worker(batch_size=20)
    idle_since = asyncio.get_running_loop().time()
    try:
        while asyncio.get_running_loop().time() - idle_since < 5.0:
            if await worker.run_once():
                idle_since = asyncio.get_running_loop().time()
            else:
                await asyncio.sleep(0.1)
    finally:
        await runtime.database.dispose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], Path(sys.argv[2]), float(sys.argv[3]) if len(sys.argv) > 3 else 0.0))
