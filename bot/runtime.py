"""The services of one Clueline process, built from settings; the composition root adds the adapters."""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

from bot.clock import Clock, SystemClock
from bot.core.adapter import ChatAdapter
from bot.core.dedupe import EventDedupe
from bot.core.directory import Directory
from bot.core.dispatcher import Dispatcher
from bot.core.inbound_queue import InboundQueue
from bot.core.reply_lanes import ReplyLanes
from bot.core.roles import Places, Roles
from bot.db.database import Database, database_for
from bot.metrics import Metrics
from bot.outbox.scheduler import Scheduler
from bot.outbox.store import Outbox
from bot.outbox.worker import OnSent, OutboxWorker
from bot.secret_key import SecretKey
from bot.settings import Settings
from knowledge.answer import AnswerWriter
from knowledge.dense import Embedder


@dataclass
class Runtime:
    """Everything a feature may use: storage, time, the outbox and scheduler, the dispatcher's registry."""

    settings: Settings
    database: Database
    clock: Clock
    dedupe: EventDedupe
    # Events stored before their ack, for whichever process handles them (bot.core.inbound_worker).
    inbound: InboundQueue
    directory: Directory
    roles: Roles
    places: Places
    outbox: Outbox
    scheduler: Scheduler
    secret_key: SecretKey
    dispatcher: Dispatcher = field(init=False)
    adapters: dict[str, ChatAdapter] = field(default_factory=dict)
    on_sent: dict[str, OnSent] = field(default_factory=dict)
    # Services features expose to each other and to the composition root, by name (e.g. "llm").
    services: dict[str, object] = field(default_factory=dict)
    features: list[Feature] = field(default_factory=list)
    # The LLM behind product answers, when one is configured (set by the composition root).
    answer_writer: AnswerWriter | None = None
    # The embeddings endpoint behind dense retrieval, when one is configured (set by the composition root).
    embedder: Embedder | None = None
    # The process's Prometheus metrics, served on /metrics by `serve` and by `worker` (CLUELINE_WORKER_PORT).
    metrics: Metrics = field(default_factory=Metrics)
    # Replies to one conversation leave one at a time, in order (see bot.core.reply_lanes).
    reply_lanes: ReplyLanes = field(default_factory=ReplyLanes)

    def __post_init__(self) -> None:
        self.dispatcher = Dispatcher(self)
        self.metrics.on_scrape.append(self._outbox_gauges)

    async def _outbox_gauges(self) -> None:
        depth, oldest = await self.outbox.backlog()
        self.metrics.outbox_depth.set(depth)
        self.metrics.outbox_oldest_due.set(oldest)

    def worker(self, name: str | None = None, batch_size: int = 50) -> OutboxWorker:
        """An outbox worker over this runtime's adapters."""
        return OutboxWorker(
            self.database,
            self.outbox,
            self.directory,
            self.adapters,
            self.on_sent,
            batch_size=batch_size,
            name=name,
            metrics=self.metrics,
        )


def build_runtime(settings: Settings, clock: Clock | None = None) -> Runtime:
    """Build the services of a process (nothing connects until first use)."""
    clock = clock or SystemClock()
    database = database_for(settings)
    return Runtime(
        settings=settings,
        database=database,
        clock=clock,
        dedupe=EventDedupe(database, clock),
        inbound=InboundQueue(database, clock),
        directory=Directory(database, clock),
        roles=Roles(database, clock, settings.admins),
        places=Places(database, clock),
        outbox=Outbox(database, clock, settings.outbox_lease_seconds),
        scheduler=Scheduler(database, clock),
        secret_key=SecretKey(settings.secret_key, settings.database_url),
    )


CommandRunner = Callable[[argparse.Namespace, Runtime], Awaitable[int]]


class Feature(Protocol):
    """A job of Clueline: registers its chat handlers, jobs and command-line commands."""

    name: str

    def setup(self, runtime: Runtime) -> None:
        """Register handlers with the dispatcher, jobs with the scheduler, hooks with the outbox."""
        ...

    def add_commands(self, commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
        """Add `clueline ...` subcommands; each sets `run` to a CommandRunner."""
        ...

    async def load_demo(self, runtime: Runtime) -> None:
        """Load this feature's part of the demo's sample company (files under bot/demo/company/<feature>/)."""
        ...
