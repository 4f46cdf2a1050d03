"""The one place where tests reach into the process's services: build, plug adapters, dispatch, settle, close.

Tests go through these (or the TestBot built on them) so that a change of how the runtime is wired touches
this file only.
"""

from __future__ import annotations

from bot.clock import Clock
from bot.core.adapter import ChatAdapter, InboundEventT
from bot.runtime import Runtime, build_runtime
from bot.settings import Settings
from tests.support.wiring import wired_runtime


def build_test_runtime(settings: Settings, clock: Clock | None = None, *, features: bool = True) -> Runtime:
    """The services of one process on `settings`, with every feature set up (kept: see `features_of`) unless
    told otherwise."""
    return wired_runtime(settings, clock) if features else build_runtime(settings, clock)


def plug(runtime: Runtime, adapter: ChatAdapter) -> None:
    """Make `adapter` the runtime's adapter of its platform (replacing any other)."""
    runtime.platforms.register(adapter)


def adapter_of(runtime: Runtime, platform: str) -> ChatAdapter:
    """The runtime's adapter of a platform."""
    return runtime.adapters[platform]


async def dispatch(runtime: Runtime, event: InboundEventT, adapter: ChatAdapter) -> None:
    """Deliver one event as `adapter` received it, without sending what it queued."""
    await runtime.dispatcher.dispatch(event, adapter)


async def settle(runtime: Runtime, name: str = "test") -> None:
    """Run due jobs and send the outbox until nothing is left."""
    worker = runtime.worker(name=name)
    while await runtime.scheduler.run_due() or await worker.run_once():
        pass


async def close(runtime: Runtime) -> None:
    """Release the runtime's database connections (the inbound queue's kept one too)."""
    await runtime.inbound.close()
    await runtime.database.dispose()
