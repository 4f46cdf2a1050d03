"""Rows inserted into a SQLite file through the standard library's driver, on the calling thread.

Why not the async engine, for the one write an HTTP request waits for (the ack's store): aiosqlite runs each
statement on a thread of its own, and the way there and back (a future, a wake-up of the event loop, the GIL
passed between two busy threads, SQLAlchemy's greenlet) cost the serving thread more than the rows do. A batch
of rows in WAL mode is a few hundred microseconds of SQLite's C code, with no disk sync (synchronous=NORMAL,
and the checkpoints are left to the other connections); the write lock is never waited for here (busy_timeout
0), the caller retries instead.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import sqlite
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.db.columns import engine_conversions
from bot.db.database import Database

# What `insert_new` raises when another connection holds the file's write lock: try again shortly.
FileLocked = sqlite3.OperationalError


class QuickSqliteInsert:
    """`INSERT … ON CONFLICT DO NOTHING` of many rows in one transaction, on a kept connection."""

    def __init__(self, database: Database, table: Table, key: str) -> None:
        self._database = database
        self._key = key
        dialect = sqlite.dialect()
        compiled = (
            sqlite_insert(table)
            .on_conflict_do_nothing(index_elements=[key])
            .compile(dialect=dialect, column_keys=[column.name for column in table.columns])
        )
        self._sql = str(compiled)
        names = list(compiled.positiontup or [])
        self._columns = engine_conversions(table, names, dialect)
        self._connection: sqlite3.Connection | None = None

    def insert_new(self, rows: Sequence[Mapping[str, Any]]) -> set[str]:
        """The keys of the rows inserted (those not there already); FileLocked when the file is busy."""
        if self._connection is None:
            self._connection = self._database.blocking_sqlite_connection()
        connection = self._connection
        connection.execute("BEGIN IMMEDIATE")  # the write lock now, or FileLocked before anything is written
        try:
            stored: set[str] = set()
            for row in rows:
                values = [
                    convert(row.get(name)) if convert else row.get(name) for name, convert in self._columns
                ]
                # One row changed, or none when its key was there: cheaper to ask than RETURNING's result rows.
                if connection.execute(self._sql, values).rowcount:
                    stored.add(str(row[self._key]))
            connection.execute("COMMIT")
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise
        return stored

    def close(self) -> None:
        """Close the connection (the process is stopping)."""
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()
