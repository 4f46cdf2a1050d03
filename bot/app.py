"""The composition root: `create_app()` wires settings, storage, features and adapters into one aiohttp app.

This is the one module (with the CLI entry) that imports `adapters`.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator, Callable

from aiohttp import web

from bot.core.adapter import ChatAdapter, InboundEventT
from bot.core.inbound_worker import InboundWorker
from bot.core.tasks import TaskTracker
from bot.db import migrate
from bot.features.catalog import all_features
from bot.health import health_routes
from bot.llm_metrics import MeasuredWriter
from bot.metrics import Metrics
from bot.outbox.loop import run_background
from bot.runtime import Runtime, build_runtime
from bot.settings import Settings, require_whole_platforms

log = logging.getLogger(__name__)

RUNTIME = web.AppKey("runtime", Runtime)
TASKS = web.AppKey("tasks", TaskTracker)
METRICS = web.AppKey("metrics", Metrics)
# How long events already acknowledged may take to finish at shutdown (with the HTTP server's own 3 s and the
# outbox's drain beside it, SIGTERM is done within 10 s).
SHUTDOWN_DRAIN_SECONDS = 5.0


def build_chat_adapters(settings: Settings) -> list[ChatAdapter]:
    """The chat adapters this configuration enables (a platform configured by half is a SettingError)."""
    require_whole_platforms(settings)
    adapters: list[ChatAdapter] = []
    if settings.slack_enabled:
        from adapters.slack import SlackAdapter

        adapters.append(SlackAdapter(settings))
    if settings.teams_enabled:
        # Closed by default: without an app id, /api/messages exists only when explicitly asked for.
        from adapters.teams import build_teams_adapter

        adapters.append(build_teams_adapter(settings))
    return adapters


def wire_language_model(runtime: Runtime) -> None:
    """Give the runtime the configured LLM answer writer (none without OPENAI_API_KEY/OPENAI_BASE_URL)."""
    from adapters.llm import from_settings

    writer = from_settings(runtime.settings)
    runtime.answer_writer = MeasuredWriter(writer, runtime.metrics) if writer is not None else None


def wire_embeddings(runtime: Runtime) -> None:
    """Give the runtime the configured embedder (none without CLUELINE_EMBEDDINGS_MODEL: dense retrieval off)."""
    from adapters.embeddings import from_settings

    runtime.embedder = from_settings(runtime.settings)


def wire_adapters(runtime: Runtime) -> list[ChatAdapter]:
    """Build the configured chat adapters and make them the runtime's senders."""
    wire_language_model(runtime)
    wire_embeddings(runtime)
    adapters = build_chat_adapters(runtime.settings)
    for adapter in adapters:
        runtime.adapters[adapter.platform] = adapter
    return adapters


def setup_features(runtime: Runtime) -> None:
    """Let every feature register its handlers, jobs and hooks."""
    from adapters.feedback_formats.reader import FileReader
    from bot.features.feedback.reading import SERVICE as FEEDBACK_FILE_READER

    # Features read import files through the edge's parsers without importing `adapters` themselves.
    runtime.services[FEEDBACK_FILE_READER] = FileReader()
    for feature in all_features():
        feature.setup(runtime)
        runtime.features.append(feature)


def create_app(
    settings: Settings,
    *,
    run_scheduler: bool = True,
    runtime: Runtime | None = None,
    answer_here: bool = True,
) -> web.Application:
    """The whole HTTP service: chat adapters, the feedback webhook, health and metrics, and the background loop.

    Inbound events are stored before their ack; `answer_here` answers them on this process's loop too
    (`clueline serve` leaves them to its event processes instead, see bot.event_processes).
    """
    from adapters.http.refusal import install_parse_error_filter

    install_parse_error_filter()
    runtime = runtime or build_runtime(settings)
    metrics = runtime.metrics
    tasks = TaskTracker()
    app = web.Application(middlewares=[metrics.middleware], client_max_size=5 * 1024 * 1024)
    app[RUNTIME] = runtime
    app[TASKS] = tasks
    app[METRICS] = metrics
    setup_features(runtime)

    async def sink(event: InboundEventT, adapter: ChatAdapter) -> None:
        # The event is stored before the adapter acknowledges it (EventNotStored: answer 503, the platform
        # retries); whichever process leases it from the queue answers it, never this request.
        metrics.events.labels(adapter.platform, event.kind).inc()
        await runtime.dispatcher.store(event, adapter)

    for adapter in wire_adapters(runtime):
        app.add_routes(adapter.routes(sink))

    app.add_routes([*health_routes(runtime.database), web.get("/metrics", metrics.handle)])
    wire_feedback_webhook(app, runtime)
    app.cleanup_ctx.append(_lifecycle(runtime, tasks, run_scheduler))
    if answer_here:
        app.cleanup_ctx.append(_answering(runtime))
    return app


def _answering(runtime: Runtime) -> Callable[[web.Application], AsyncIterator[None]]:
    async def answering(_app: web.Application) -> AsyncIterator[None]:
        worker = InboundWorker(runtime)
        runtime.inbound.on_stored.append(worker.wake.set)
        stop = asyncio.Event()
        running = asyncio.create_task(worker.run(stop, runtime.settings.outbox_poll_seconds))
        yield
        stop.set()
        await running

    return answering


def wire_feedback_webhook(app: web.Application, runtime: Runtime) -> None:
    """`POST /feedback`, bound to the feedback feature's intake service and CLUELINE_FEEDBACK_SECRET."""
    from adapters.feedback_formats.webhook import feedback_routes
    from bot.features.feedback.intake import intake_service

    intake = intake_service(runtime)
    if intake is not None:
        app.add_routes(feedback_routes(intake, runtime.settings.feedback_secret))


def _lifecycle(
    runtime: Runtime, tasks: TaskTracker, run_scheduler: bool
) -> Callable[[web.Application], AsyncIterator[None]]:
    async def lifecycle(_app: web.Application) -> AsyncIterator[None]:
        await migrate.upgrade(runtime.database)
        for adapter in runtime.adapters.values():
            await adapter.start()
        # Everything loaded by now (libraries, models, features) lives as long as the process; freezing it
        # keeps full garbage collections from rescanning it, which under load stalls the loop (and the acks).
        gc.freeze()
        stop = asyncio.Event()
        background = asyncio.create_task(run_background(runtime, stop)) if run_scheduler else None
        yield
        stop.set()
        await tasks.drain(timeout=SHUTDOWN_DRAIN_SECONDS)
        if background is not None:
            await background
        for adapter in runtime.adapters.values():
            await adapter.stop()
        await runtime.database.dispose()

    return lifecycle
