"""The background loop of `serve` and `worker`: send the outbox, run due jobs, forget old event keys."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from bot.runtime import Runtime

log = logging.getLogger(__name__)


async def run_scheduler(runtime: Runtime, stop: asyncio.Event, poll_seconds: float = 1.0) -> None:
    """Run due scheduled jobs until `stop` is set."""
    cleanup_every = 600.0
    next_cleanup = 0.0
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        try:
            await runtime.scheduler.run_due()
            if loop.time() >= next_cleanup:
                await runtime.dedupe.forget_old()
                next_cleanup = loop.time() + cleanup_every
        except Exception:
            log.exception("scheduler pass failed; trying again shortly")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=poll_seconds)


async def run_background(runtime: Runtime, stop: asyncio.Event) -> None:
    """The outbox worker and the scheduler side by side, until `stop` is set."""
    worker = runtime.worker()
    await asyncio.gather(
        worker.run(stop, runtime.settings.outbox_poll_seconds),
        run_scheduler(runtime, stop),
    )
