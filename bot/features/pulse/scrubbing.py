"""After a run closes, nothing of its sealed ballots stays recoverable from the database files.

Deleting a row does not erase it: PostgreSQL keeps it as a dead tuple until VACUUM (autovacuum waits
for 50 dead rows), SQLite keeps old pages in its write-ahead log until a checkpoint. The close schedules
a scrub for after its transaction has committed (neither VACUUM nor a truncating checkpoint can run
while a transaction holds on): VACUUM on PostgreSQL, a truncating WAL checkpoint on SQLite (whose
connections set `secure_delete`, so the deleted rows' bytes are zeroed in the pages the checkpoint writes).
"""

from __future__ import annotations

import logging

from sqlalchemy import text

from bot.db.database import Database

log = logging.getLogger(__name__)


async def scrub_pending_ballots(database: Database) -> None:
    """Remove every trace of deleted sealed ballots from the database's files."""
    async with database.engine.connect() as conn:
        autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
        if database.is_sqlite:
            outcome = (await autocommit.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")).one()
            if outcome[0]:  # busy
                log.warning("pulse: the write-ahead log could not be truncated yet (a reader holds it)")
        else:
            await autocommit.execute(text("VACUUM pulse_pending_ballot"))
    log.info("pulse: deleted ballots scrubbed from the database files")
