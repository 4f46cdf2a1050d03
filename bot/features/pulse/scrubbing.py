"""After a run closes, nothing of its sealed ballots stays recoverable from the database files.

Deleting a row does not erase it: PostgreSQL keeps it as a dead tuple until VACUUM (autovacuum waits
for 50 dead rows), SQLite keeps old pages in its write-ahead log until a checkpoint. The close schedules
a scrub for after its transaction has committed (neither VACUUM nor a truncating checkpoint can run
while a transaction holds on): VACUUM on PostgreSQL, a truncating WAL checkpoint on SQLite (whose
connections set `secure_delete`, so the deleted rows' bytes are zeroed in the pages the checkpoint writes).
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import text

from bot.db.database import Database

log = logging.getLogger(__name__)
# A transaction of another connection that began before the delete holds the deleted rows back (VACUUM keeps
# what it may still see; a checkpoint stops at a reader): try again a few times while such work finishes.
ATTEMPTS = 10
PAUSE_SECONDS = 0.3
DEAD_TUPLES = "SELECT n_dead_tup FROM pg_stat_user_tables WHERE relname = 'pulse_pending_ballot'"


async def scrub_pending_ballots(database: Database) -> None:
    """Remove every trace of deleted sealed ballots from the database's files."""
    # The inbound queue's own file (SQLite) held the answers as acknowledged, their text dropped once handled.
    scrubbed = [await _scrub(side) for side in database.side_files()]
    if await _scrub(database) and all(scrubbed):
        log.info("pulse: deleted ballots scrubbed from the database files")
        return
    log.warning(
        "pulse: deleted ballots are not scrubbed yet (another transaction holds them); autovacuum will"
    )


async def _scrub(database: Database) -> bool:
    """True once nothing deleted stays readable in the database's files."""
    for attempt in range(ATTEMPTS):
        if attempt:
            await asyncio.sleep(PAUSE_SECONDS)
        left = await (_checkpoint(database) if database.is_sqlite else _vacuum(database))
        if not left:
            return True
    return False


async def _checkpoint(database: Database) -> int:
    """A truncating checkpoint of the SQLite file's log; nonzero when a reader held it back."""
    async with database.engine.connect() as conn:
        autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
        return int((await autocommit.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")).one()[0])


async def _vacuum(database: Database) -> int:
    """VACUUM of the ballots' table; how many deleted rows it had to leave (another transaction may see them)."""
    await database.run_outside_transactions("VACUUM pulse_pending_ballot")
    async with database.session() as session:
        return int(await session.scalar(text(DEAD_TUPLES)) or 0)
