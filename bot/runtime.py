"""One process's core services with the dispatcher features register with; the composition root adds the rest."""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

from bot.clock import Clock, SystemClock
from bot.core.dedupe import EventDedupe
from bot.core.directory import Directory
from bot.core.dispatcher import Dispatcher
from bot.core.event_seal import EventSeal
from bot.core.inbound_queue import InboundQueue
from bot.core.roles import Places, Roles
from bot.core.services import CoreServices
from bot.db.database import database_for
from bot.db.inbound_file import inbound_database
from bot.outbox.scheduler import Scheduler
from bot.outbox.store import Outbox
from bot.secret_key import SecretKey
from bot.settings import Settings


@dataclass
class Runtime(CoreServices):
    """The core's services and the dispatcher's registry: what a feature's `setup()` registers with."""

    dispatcher: Dispatcher = field(init=False)
    # What the composition root opened beside the core (the LLM's and embedder's HTTP clients): closed, in order,
    # when the process's lifecycle ends (bot.app.running), on the loop that used them.
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__post_init__()
        self.dispatcher = Dispatcher(self)


def build_runtime(settings: Settings, clock: Clock | None = None) -> Runtime:
    """Build the services of a process (nothing connects until first use)."""
    clock = clock or SystemClock()
    database = database_for(settings)
    inbound = inbound_database(database)
    secret_key = SecretKey(settings.secret_key, settings.database_url)
    return Runtime(
        settings=settings,
        database=database,
        clock=clock,
        dedupe=EventDedupe(inbound, clock),
        inbound=InboundQueue(inbound, clock, EventSeal(secret_key)),
        directory=Directory(database, clock),
        roles=Roles(database, clock, settings.admins),
        places=Places(database, clock),
        outbox=Outbox(database, clock, settings.outbox_lease_seconds),
        scheduler=Scheduler(database, clock),
        secret_key=secret_key,
    )


CommandRunner = Callable[[argparse.Namespace, Runtime], Awaitable[int]]


class Feature(Protocol):
    """A job of Clueline: registers its chat handlers, jobs and command-line commands.

    Its `setup()` takes the runtime and, typed, whatever else the feature needs (a knowledge store, a file
    reader): the composition root (bot.features.catalog, bot.app) calls each one with its own dependencies.
    """

    name: str

    def add_commands(self, commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
        """Add `clueline ...` subcommands; each sets `run` to a CommandRunner."""
        ...

    async def load_demo(self, runtime: Runtime) -> None:
        """Load this feature's part of the demo's sample company (files under bot/demo/company/<feature>/)."""
        ...


class SelfContainedFeature(Feature, Protocol):
    """A feature that needs nothing but the runtime (e.g. a test's probe)."""

    def setup(self, runtime: Runtime) -> None:
        """Register handlers, jobs and hooks."""
        ...
