"""The inbound queue's own SQLite file (`<database>-inbound`): event keys and the events waiting for an answer.

On SQLite one connection writes to a file at a time. The ack's store (bot.core.inbound_queue) is the one
write an HTTP request waits for; in the main file it queued behind every answer being written (p99 84 ms at
200 answered mentions a second, against 1 ms for its own work), in a file of its own only behind the leases
and completions of the events. PostgreSQL and in-memory SQLite keep the table in the database itself.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, delete, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col

from bot.db.database import Database
from bot.db.models import InboundEventKey

INBOUND_FILE_SUFFIX = "-inbound"
TABLE = cast(Table, InboundEventKey.__table__)  # type: ignore[attr-defined]


def inbound_database(database: Database) -> Database:
    """Where inbound events are stored and their keys remembered: the side file on SQLite, else `database`."""
    return database.side_file(INBOUND_FILE_SUFFIX, [TABLE])


async def move_inbound_events(database: Database) -> int:
    """Move rows a version before the side file left in the main file's table (keys and waiting events) to it."""
    side = inbound_database(database)
    if side is database:
        return 0
    async with database.session() as session:
        rows: list[dict[str, Any]] = [
            {column.name: getattr(row, column.name) for column in TABLE.columns}
            for row in (await session.execute(select(InboundEventKey))).scalars().all()
        ]
    if not rows:
        return 0
    async with side.session() as session:
        await session.execute(sqlite_insert(TABLE).on_conflict_do_nothing(index_elements=["key"]), rows)
    async with database.session() as session:
        await session.execute(
            delete(InboundEventKey).where(col(InboundEventKey.key).in_([row["key"] for row in rows]))
        )
    return len(rows)
