"""The core's own services of one process, built from settings: storage, time, people and places, the outbox."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.clock import Clock
from bot.core.adapter import ChatAdapter
from bot.core.dedupe import EventDedupe
from bot.core.directory import Directory
from bot.core.inbound_queue import InboundQueue
from bot.core.platforms import Platforms
from bot.core.reply_lanes import ReplyLanes
from bot.core.roles import Places, Roles
from bot.db.database import Database
from bot.metrics import Metrics
from bot.outbox.scheduler import Scheduler
from bot.outbox.store import Outbox
from bot.outbox.worker import OnSent, OutboxWorker
from bot.secret_key import SecretKey
from bot.settings import Settings


@dataclass
class CoreServices:
    """What every handler may use: storage, time, people and places, the outbox and scheduler, the platforms."""

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
    # The chat adapters by platform, registered by the composition root; features reach them only through it.
    platforms: Platforms = field(default_factory=Platforms)
    # What to do once a message of a purpose is sent (e.g. remember a highlight's message id), by purpose.
    on_sent: dict[str, OnSent] = field(default_factory=dict)
    # The process's Prometheus metrics, served on /metrics by `serve` and by `worker` (CLUELINE_WORKER_PORT).
    metrics: Metrics = field(default_factory=Metrics)
    # Replies to one conversation leave one at a time, in order (see bot.core.reply_lanes).
    reply_lanes: ReplyLanes = field(default_factory=ReplyLanes)

    def __post_init__(self) -> None:
        self.metrics.on_scrape.append(self._outbox_gauges)

    @property
    def adapters(self) -> dict[str, ChatAdapter]:
        """The chat adapters by platform (the outbox worker's senders; features use `platforms`)."""
        return self.platforms.adapters

    async def _outbox_gauges(self) -> None:
        depth, oldest = await self.outbox.backlog()
        self.metrics.outbox_depth.set(depth)
        self.metrics.outbox_oldest_due.set(oldest)

    def worker(self, name: str | None = None, batch_size: int = 50) -> OutboxWorker:
        """An outbox worker over this process's adapters."""
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
