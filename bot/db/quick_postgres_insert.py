"""Rows inserted into PostgreSQL through asyncpg itself: a batch in one statement of column arrays.

Why not the async engine, for the one write an HTTP request waits for (the ack's store): SQLAlchemy's
statement for many rows (a bind processor per value, its greenlet to asyncpg and back, the result's rows)
cost the serving thread about 90 us an event against 25 us this way. The statement is prepared once per
connection (asyncpg's cache; with CLUELINE_DB_PGBOUNCER=1 that cache is off and it is prepared unnamed each
time), and its arrays are one parameter per column however many rows the batch has.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Column, String, Table
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.types import TypeDecorator

from bot.db.columns import engine_conversions
from bot.db.database import Database


class QuickPostgresInsert:
    """`INSERT … SELECT * FROM unnest(…) ON CONFLICT DO NOTHING RETURNING key`, on a kept connection."""

    def __init__(self, database: Database, table: Table, key: str) -> None:
        self._database = database
        dialect = database.engine.dialect  # asyncpg's, whose conversions the engine applies
        columns = list(table.columns)
        self._columns = engine_conversions(table, [column.name for column in columns], dialect)
        arrays = ", ".join(
            f"${n}::{_array_element(column, dialect)}[]" for n, column in enumerate(columns, start=1)
        )
        names = ", ".join(column.name for column in columns)
        self._sql = (
            f"INSERT INTO {table.name} ({names}) SELECT * FROM unnest({arrays}) "
            f"ON CONFLICT ({key}) DO NOTHING RETURNING {key}"
        )
        self._connection: AsyncConnection | None = None
        self._closed = False

    async def insert_new(self, rows: Sequence[Mapping[str, Any]]) -> set[str]:
        """The keys of the rows inserted (those not there already), made again once if the server dropped it."""
        arrays = [
            [convert(row.get(name)) if convert else row.get(name) for row in rows]
            for name, convert in self._columns
        ]
        driver = await self._driver()
        try:
            return {str(key) for (key,) in await driver.fetch(self._sql, *arrays)}
        except Exception:
            if not driver.is_closed():
                raise
        # The server ended the connection (a failover, an idle timeout, a DBA): once more, on a new one.
        await self._drop_connection()
        driver = await self._driver()
        return {str(key) for (key,) in await driver.fetch(self._sql, *arrays)}

    async def _driver(self) -> Any:
        """asyncpg's own connection under the kept one (opened through the engine: its URL, TLS and settings)."""
        if self._closed:
            raise ConnectionError("the inbound store is closed (the process is stopping)")
        if self._connection is None:
            self._connection = await self._database.autocommit_connection()
        raw = await self._connection.get_raw_connection()
        return raw.driver_connection

    async def close(self) -> None:
        """Close the connection for good (the process is stopping): an insert under way opens no other."""
        self._closed = True
        await self._drop_connection()

    async def _drop_connection(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                await connection.invalidate()  # a dropped connection cannot go back to the pool
            finally:
                await connection.close()


def _array_element(column: Column[Any], dialect: Dialect) -> str:
    """The type the column's array is cast to: text for strings, so that a value too long for its column fails
    as the engine's insert would, instead of being cut to length by the cast."""
    stored_as = column.type.impl_instance if isinstance(column.type, TypeDecorator) else column.type
    return "TEXT" if isinstance(stored_as, String) else str(column.type.compile(dialect=dialect))
