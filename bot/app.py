"""The composition root: `create_app()` wires settings, storage, features and adapters into one aiohttp app.

This is the one module (with the CLI entry) that imports `adapters`.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.clock import Clock
from bot.core.adapter import ChatAdapter, InboundEventT
from bot.core.inbound_worker import InboundWorker, is_flood
from bot.core.tasks import TaskTracker
from bot.db import migrate as migrations
from bot.db.database import Database, database_for
from bot.features.answers.answering import Knowledge
from bot.features.catalog import Features, all_features
from bot.features.feedback.history import FeedbackHistory
from bot.features.feedback.intake import FeedbackIntake
from bot.features.pulse.history import PulseHistory
from bot.health import health_routes
from bot.llm_metrics import MeasuredWriter
from bot.metrics import Metrics
from bot.outbox.loop import run_background
from bot.rate_budget.factory import budget_store
from bot.rate_budget.store import RateBudgetStore
from bot.runtime import Runtime, build_runtime
from bot.secret_key import SecretKey
from bot.settings import Settings, require_whole_platforms
from knowledge.answer import AnswerWriter
from knowledge.dense import Embedder
from knowledge.store import KnowledgeStore

log = logging.getLogger(__name__)

RUNTIME = web.AppKey("runtime", Runtime)
TASKS = web.AppKey("tasks", TaskTracker)
METRICS = web.AppKey("metrics", Metrics)
# How long events already acknowledged may take to finish at shutdown (with the HTTP server's own 3 s and the
# outbox's drain beside it, SIGTERM is done within 10 s).
SHUTDOWN_DRAIN_SECONDS = 5.0


def build_chat_adapters(
    settings: Settings, database: Database, budgets: RateBudgetStore | None = None
) -> list[ChatAdapter]:
    """The chat adapters this configuration enables (a platform configured by half is a SettingError).

    `budgets` keeps their rate limits, shared with every process using the same store (None: per process).
    """
    require_whole_platforms(settings)
    adapters: list[ChatAdapter] = []
    if settings.slack_enabled:
        from adapters.slack import SlackAdapter
        from adapters.slack.limiter import SlackRateLimiter

        adapters.append(SlackAdapter(settings, database=database, limiter=SlackRateLimiter(store=budgets)))
    if settings.teams_enabled:
        # Closed by default: without an app id, /api/messages exists only when explicitly asked for.
        from adapters.teams import build_teams_adapter

        adapters.append(build_teams_adapter(settings, budgets))
    return adapters


def language_model(runtime: Runtime) -> AnswerWriter | None:
    """The configured LLM answer writer, measured (none without OPENAI_API_KEY/OPENAI_BASE_URL)."""
    from adapters.llm import from_settings

    writer = from_settings(runtime.settings)
    if writer is None:
        return None
    runtime.closers.append(writer.close)
    return MeasuredWriter(writer, runtime.metrics)


def embedder(runtime: Runtime) -> Embedder | None:
    """The configured embedder (none without CLUELINE_EMBEDDINGS_MODEL: dense retrieval off)."""
    from adapters.embeddings import from_settings

    client = from_settings(runtime.settings)
    if client is not None:
        runtime.closers.append(client.close)
    return client


def wire_adapters(runtime: Runtime) -> list[ChatAdapter]:
    """Build the configured chat adapters and register them as the runtime's platforms."""
    budgets = budget_store(runtime.settings, runtime.database)
    adapters = build_chat_adapters(runtime.settings, runtime.database, budgets)
    for adapter in adapters:
        runtime.platforms.register(adapter)
    return adapters


def configured_knowledge(runtime: Runtime) -> Knowledge:
    """The knowledge store (with the configured embedder) and the configured LLM, as settings ask."""
    store = KnowledgeStore(runtime.database, clock=runtime.clock, embedder=embedder(runtime))
    return Knowledge(store, language_model(runtime))


def setup_features(
    runtime: Runtime, features: Features | None = None, *, knowledge: Knowledge | None = None
) -> Features:
    """Let every feature register its handlers, jobs and hooks, each handed its own typed dependencies.

    `knowledge` replaces the configured one (e.g. a store with dense retrieval and no chat model).
    """
    from adapters.feedback_formats.reader import FileReader

    features = features or all_features()
    intake = FeedbackIntake(runtime)
    features.help.setup(runtime)
    features.answers.setup(runtime, knowledge or configured_knowledge(runtime))
    # The link reads the feedback and pulse features through its own protocols: only the root knows all three.
    features.link.setup(runtime, customers=FeedbackHistory(runtime, intake), employees=PulseHistory(runtime))
    # Features read import files through the edge's parsers without importing `adapters` themselves.
    features.feedback.setup(runtime, intake, FileReader(ZoneInfo(runtime.settings.time_zone)))
    features.pulse.setup(runtime)
    for extra in features.extra:
        extra.setup(runtime)
    return features


@dataclass
class Process:
    """One Clueline process, wired: the core's services and dispatcher, the features, the chat adapters."""

    runtime: Runtime
    features: Features
    adapters: list[ChatAdapter]


def assemble(
    settings: Settings,
    *,
    clock: Clock | None = None,
    features: Features | None = None,
    adapters: Sequence[ChatAdapter] = (),
) -> Process:
    """Build a process from settings: services, features with their dependencies, adapters (nothing connects).

    `adapters` are chat adapters beside the configured ones (the demo's console).
    """
    runtime = build_runtime(settings, clock)
    for adapter in adapters:
        runtime.platforms.register(adapter)
    wired = setup_features(runtime, features)
    return Process(runtime, wired, [*adapters, *wire_adapters(runtime)])


@asynccontextmanager
async def running(process: Process, *, migrate: bool = True, start: bool = True) -> AsyncIterator[Process]:
    """The one lifecycle of serve, worker, commands, demo and tests: migrate once, start, yield, stop, close."""
    runtime = process.runtime
    try:
        if migrate:
            await runtime.database.check()
            await migrations.upgrade(runtime.database)
        started: list[ChatAdapter] = []
        try:
            # An adapter whose start fails (a token its platform refuses) is stopped too: it may have opened
            # its HTTP session first.
            for adapter in process.adapters if start else ():
                started.append(adapter)
                await adapter.start()
            yield process
        finally:
            for adapter in started:
                await adapter.stop()
    finally:
        for close in runtime.closers:
            try:
                await close()
            except Exception as exc:  # closing a connection pool: nothing left to lose, the rest still closes
                log.warning("closing %s failed: %s", close, type(exc).__name__)
        runtime.closers.clear()
        await runtime.inbound.close()
        await runtime.database.dispose()


async def prepare_database(settings: Settings) -> None:
    """Before a long-running process starts: the secret key is to be had, the database answers and is migrated.

    `serve` and `worker` run this first so a bad database stops them with one line; their lifecycle then
    skips the migration (it has run once).
    """
    database = database_for(settings)  # a bad DATABASE_URL is named before anything else
    SecretKey(settings.secret_key, settings.database_url).material()  # fail at start, not at the first answer
    try:
        await database.check()
        await migrations.upgrade(database)
        if await database.autovacuum_off():
            # Every event, lease and send updates a row of the inbound queue, the outbox or the rate budgets: without
            # vacuum their dead rows pile up, and without its statistics the planner reads the whole inbound table
            # to lease a few events (7 ms a lease at 12,000 keys, growing with them).
            log.warning(
                "PostgreSQL's autovacuum is off: Clueline's queue tables will bloat and slow down; turn it on "
                "(the server's default) or run VACUUM ANALYZE on this database every few minutes"
            )
    finally:
        await database.dispose()


def create_app(
    settings: Settings,
    *,
    run_scheduler: bool = True,
    runtime: Runtime | None = None,
    migrated: bool = False,
    answer_here: bool = True,
) -> web.Application:
    """The whole HTTP service: chat adapters, the feedback webhook, health and metrics, and the background loop.

    Inbound events are stored before their ack; `answer_here` answers them on this process's loop too
    (`clueline serve` leaves them to its event processes instead, see bot.event_processes).
    """
    from adapters.http.body import BODY_ROOMS, BodyRooms
    from adapters.http.refusal import install_parse_error_filter

    install_parse_error_filter()
    runtime = runtime or build_runtime(settings)
    features = setup_features(runtime)
    process = Process(runtime, features, wire_adapters(runtime))
    metrics = runtime.metrics
    tasks = TaskTracker()
    app = web.Application(
        middlewares=[metrics.middleware],
        client_max_size=5 * 1024 * 1024,
        # aiohttp would inflate a compressed body as it arrives, on the loop, even one a route refuses unread: a
        # megabyte of gzip is a gigabyte of work. Nobody who calls us compresses; such bodies are refused (415).
        handler_args={"auto_decompress": False},
    )
    app[RUNTIME] = runtime
    app[TASKS] = tasks
    app[METRICS] = metrics
    app[BODY_ROOMS] = BodyRooms()

    async def sink(event: InboundEventT, adapter: ChatAdapter) -> None:
        # The event is stored before the adapter acknowledges it (EventNotStored: answer 503, the platform
        # retries); whichever process leases it from the queue answers it, never this request.
        metrics.events.labels(adapter.platform, event.kind).inc()
        await runtime.dispatcher.store(event, adapter)

    for adapter in process.adapters:
        app.add_routes(adapter.routes(sink))

    app.add_routes([*health_routes(runtime.database), web.get("/metrics", metrics.handle)])
    wire_feedback_webhook(app, runtime)
    app.cleanup_ctx.append(_lifecycle(process, tasks, run_scheduler, migrate=not migrated))
    if answer_here:
        app.cleanup_ctx.append(_answering(runtime))
    return app


def _answering(runtime: Runtime) -> Callable[[web.Application], AsyncIterator[None]]:
    async def answering(_app: web.Application) -> AsyncIterator[None]:
        worker = InboundWorker(runtime)
        runtime.inbound.on_stored.append(lambda requests: worker.stored(flood=is_flood(requests)))
        stop = asyncio.Event()
        running = asyncio.create_task(worker.run(stop, runtime.settings.outbox_poll_seconds))
        yield
        stop.set()
        await running

    return answering


def wire_feedback_webhook(app: web.Application, runtime: Runtime) -> None:
    """`POST /feedback` (signed with CLUELINE_FEEDBACK_SECRET), its batches handed to the dispatcher."""
    from adapters.feedback_formats.webhook import KIND, feedback_routes

    if runtime.dispatcher.takes(KIND):
        app.add_routes(feedback_routes(runtime.dispatcher.take, runtime.settings.feedback_secret))


def _lifecycle(
    process: Process, tasks: TaskTracker, run_scheduler: bool, *, migrate: bool
) -> Callable[[web.Application], AsyncIterator[None]]:
    async def lifecycle(_app: web.Application) -> AsyncIterator[None]:
        async with running(process, migrate=migrate):
            # Everything loaded by now (libraries, models, features) lives as long as the process; freezing it
            # keeps full garbage collections from rescanning it, which under load stalls the loop (and the acks).
            gc.freeze()
            stop = asyncio.Event()
            background = asyncio.create_task(run_background(process.runtime, stop)) if run_scheduler else None
            yield
            stop.set()
            await tasks.drain(timeout=SHUTDOWN_DRAIN_SECONDS)
            if background is not None:
                await background

    return lifecycle
