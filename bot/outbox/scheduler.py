"""Scheduled jobs beside the outbox: claimed once across processes, run in the transaction that advances them."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.clock import Clock
from bot.db.database import Database
from bot.db.models import ScheduledJob
from bot.outbox.recurrence import check_cron, next_fire_time, time_zone

log = logging.getLogger(__name__)

# Tries of one job whose SQLite snapshot went stale (see `_is_stale_snapshot`) before the error is raised.
STALE_SNAPSHOT_TRIES = 5


@dataclass(frozen=True)
class DueJob:
    """A job being run: its name, payload and the time it was due."""

    name: str
    kind: str
    payload: dict[str, Any]
    due_at: datetime


# Work a job leaves for after its transaction has committed (e.g. VACUUM, which no transaction can run).
AfterCommit = Callable[[], Awaitable[None]]
JobHandler = Callable[[AsyncSession, DueJob], Awaitable[AfterCommit | None]]


class Scheduler:
    """Runs due jobs by kind; a job's effects (outbox rows) commit together with its advance, so it runs once."""

    def __init__(self, database: Database, clock: Clock) -> None:
        self._database = database
        self._clock = clock
        self._handlers: dict[str, JobHandler] = {}

    def handle(self, kind: str, handler: JobHandler) -> None:
        """Register the handler of one kind of job."""
        self._handlers[kind] = handler

    async def schedule(
        self,
        session: AsyncSession,
        name: str,
        kind: str,
        payload: dict[str, Any],
        *,
        at: datetime | None = None,
        cron: str | None = None,
        zone: str = "UTC",
    ) -> None:
        """Create or replace a job: once at `at` (default now), or by `cron` in `zone`."""
        time_zone(zone)
        if cron is not None:
            check_cron(cron)
        first = at or (next_fire_time(cron, zone, self._clock.now()) if cron else self._clock.now())
        row = (
            await session.execute(select(ScheduledJob).where(col(ScheduledJob.name) == name))
        ).scalar_one_or_none()
        if row is None:
            row = ScheduledJob(name=name, kind=kind)
            session.add(row)
        row.kind = kind
        row.payload = json.dumps(payload)
        row.cron = cron
        row.time_zone = zone
        row.next_run_at = first
        row.active = True
        await session.flush()

    async def cancel(self, session: AsyncSession, name: str) -> None:
        """Stop a job from running again."""
        row = (
            await session.execute(select(ScheduledJob).where(col(ScheduledJob.name) == name))
        ).scalar_one_or_none()
        if row is not None:
            row.active = False
            row.next_run_at = None

    async def run_due(self, limit: int = 20) -> int:
        """Run every job due now (each once, whichever process gets it); returns how many ran."""
        ran = 0
        stale = 0
        while ran < limit:
            try:
                async with self._database.session() as session:
                    row = (
                        await session.execute(
                            select(ScheduledJob)
                            .where(col(ScheduledJob.active).is_(True))
                            .where(col(ScheduledJob.next_run_at) <= self._clock.now())
                            .order_by(col(ScheduledJob.next_run_at))
                            .limit(1)
                            .with_for_update(skip_locked=True)
                        )
                    ).scalar_one_or_none()
                    if row is None:
                        return ran
                    after_commit = await self._run(session, row)
            except OperationalError as exc:
                stale += 1
                if not _is_stale_snapshot(exc) or stale >= STALE_SNAPSHOT_TRIES:
                    raise
                # Nothing of the job committed: it is still due, and runs again on a fresh snapshot.
                log.info("a scheduled job met a newer write on SQLite; running it again (try %d)", stale + 1)
                continue
            stale = 0
            ran += 1
            if after_commit is not None:
                try:
                    await after_commit()
                except Exception:  # the job itself is done; what follows it is best effort
                    log.exception("the work after job %s failed", row.name)
        return ran

    async def _run(self, session: AsyncSession, row: ScheduledJob) -> AfterCommit | None:
        assert row.next_run_at is not None
        job = DueJob(
            name=row.name, kind=row.kind, payload=json.loads(row.payload or "{}"), due_at=row.next_run_at
        )
        handler = self._handlers.get(row.kind)
        # Written after the handler: on SQLite the first write takes the file's write lock, and a handler that
        # calls a platform first (a pulse's audience) must not hold it while the shared rate budget waits for it.
        started = self._clock.now()
        after_commit: AfterCommit | None = None
        if handler is None:
            row.last_error = f"no handler for jobs of kind {row.kind!r}"
        else:
            try:
                async with session.begin_nested():
                    after_commit = await handler(session, job)
                row.last_error = None
            except Exception as exc:  # one broken job must not stop the others
                if _is_stale_snapshot(exc):
                    raise  # not the job's fault: the whole transaction is run again (see run_due)
                log.exception("scheduled job %s failed", row.name)
                row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        row.last_run_at = started
        if row.cron:
            upcoming = next_fire_time(row.cron, row.time_zone, job.due_at)
            if upcoming < self._clock.now():  # firings missed while no worker ran are skipped, not replayed
                upcoming = next_fire_time(
                    row.cron, row.time_zone, self._clock.now() - timedelta(microseconds=1)
                )
            row.next_run_at = upcoming
        else:
            row.active = False
            row.next_run_at = None
        return after_commit


def _is_stale_snapshot(exc: BaseException) -> bool:
    """SQLite refused a write because another connection wrote after this transaction's first read.

    A job reads (its own row, the pulse), calls a platform without holding the write lock (a pulse's
    audience, whose shared rate budget writes to the database), then writes: if anything committed in
    between, SQLite cannot upgrade the stale read snapshot and fails at once (SQLITE_BUSY_SNAPSHOT, reported
    as "database is locked" without waiting). Only running the transaction again helps.
    """
    return isinstance(exc, OperationalError) and "database is locked" in str(exc.orig)
