"""Apply and check migrations from code (`clueline db upgrade`, start of serve and worker)."""

from __future__ import annotations

import asyncio
import fcntl
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import Connection

from bot.db.database import Database
from bot.db.inbound_file import move_inbound_events

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"

log = logging.getLogger(__name__)


def alembic_config(connection: Connection | None = None, url: str = "") -> Config:
    """An Alembic configuration for our migrations folder, bound to a connection or URL."""
    # Imported here: Alembic takes 0.4 s to import, and most processes (every event process, most commands)
    # never migrate.
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url)
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _upgrade_to_head(connection: Connection) -> None:
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    before = MigrationContext.configure(connection).get_current_revision()
    command.upgrade(alembic_config(connection), "head")
    after = MigrationContext.configure(connection).get_current_revision()
    # One line, not one per migration (those are logged at DEBUG): a first `clueline ask` printed twelve.
    if after != before:
        log.info("database schema %s %s", f"upgraded from {before} to" if before else "created at", after)


async def upgrade(database: Database) -> None:
    """Bring the database to the newest schema, one process at a time."""
    async with _sqlite_file_lock(database):
        async with database.engine.begin() as conn:
            # PostgreSQL: the others wait on the advisory lock. SQLite: on the file lock around us.
            if not database.is_sqlite:
                await conn.exec_driver_sql("SELECT pg_advisory_xact_lock(734201)")
            await conn.run_sync(_upgrade_to_head)
        await move_inbound_events(database)


@asynccontextmanager
async def _sqlite_file_lock(database: Database) -> AsyncIterator[None]:
    """Hold `<database file>.migrate.lock` exclusively (nothing to hold on PostgreSQL or in memory).

    SQLite's own locking does not cover it: two processes both read "no alembic_version table" before either
    creates it, and the second dies on `table alembic_version already exists`.
    """
    path = database.url.database if database.is_sqlite else None
    if not path or path == ":memory:":
        yield
        return
    with open(f"{path}.migrate.lock", "a") as lock:
        # In a thread: another process may hold the lock for as long as its migrations take.
        await asyncio.to_thread(fcntl.flock, lock.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)
