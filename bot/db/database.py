"""The async engine and its sessions, on a SQLite file or PostgreSQL."""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlencode
from uuid import uuid4

from sqlalchemy import Table, event, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.dialects.postgresql import Insert as PostgresInsert
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.schema import CreateColumn, CreateIndex, CreateTable

from bot.settings import Settings

log = logging.getLogger(__name__)

_ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "sqlite+pysqlite": "sqlite+aiosqlite",
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
    "postgresql+psycopg2": "postgresql+asyncpg",
    "postgresql+psycopg": "postgresql+asyncpg",
    "postgresql+pg8000": "postgresql+asyncpg",
}


# libpq's query parameters (what Heroku, Render, Neon and Supabase put in their URLs). asyncpg reads them from a
# DSN, not as the keyword arguments SQLAlchemy would turn them into, so they reach it as one (`_asyncpg_dsn`).
LIBPQ_PARAMETERS = (
    "sslmode",
    "sslrootcert",
    "sslcert",
    "sslkey",
    "sslcrl",
    "options",
    "application_name",
    "target_session_attrs",
)
SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
# libpq's channel binding (Neon's URLs ask for it): asyncpg does not do it, so it is taken out of the URL, and
# a URL that requires it gets a warning at start rather than a refusal (TLS still holds, as sslmode says).
CHANNEL_BINDING = "channel_binding"
CHANNEL_BINDING_MODES = ("disable", "prefer", "require")


class DatabaseError(RuntimeError):
    """The database URL is wrong or the database does not answer; the message masks the password."""


def async_url(raw: str) -> URL:
    """The SQLAlchemy URL with an async driver, whatever form the operator gave it in."""
    if raw.startswith("postgres://"):
        raw = "postgresql://" + raw[len("postgres://") :]
    try:
        url = make_url(raw)
    except ArgumentError:
        raise DatabaseError(f"DATABASE_URL is not a database URL: {mask_password(raw)}") from None
    driver = _ASYNC_DRIVERS.get(url.drivername, url.drivername)
    if not driver.startswith(("sqlite", "postgresql")):
        raise DatabaseError(f"DATABASE_URL must be SQLite or PostgreSQL, got {url.drivername}")
    if url.drivername in _ASYNC_DRIVERS and driver.startswith("postgresql"):
        # A libpq-style URL: only libpq's parameters (a URL naming +asyncpg passes asyncpg's as given).
        _check_libpq_query(url)
    return url.set(drivername=driver)


def _check_libpq_query(url: URL) -> None:
    for name, value in url.query.items():
        if name == CHANNEL_BINDING and value in CHANNEL_BINDING_MODES:
            continue
        if name not in LIBPQ_PARAMETERS:
            raise DatabaseError(
                f"DATABASE_URL: unknown query parameter {name!r} (PostgreSQL URLs take {', '.join(LIBPQ_PARAMETERS)})"
            )
        if name == "sslmode" and value not in SSL_MODES:
            raise DatabaseError(f"DATABASE_URL: sslmode must be one of {', '.join(SSL_MODES)}, got {value!r}")


def _asyncpg_dsn(url: URL) -> tuple[URL, dict[str, Any]]:
    """The URL without libpq's query parameters, and connect arguments handing them to asyncpg as a DSN."""
    if url.query.get(CHANNEL_BINDING) == "require":
        log.warning(
            "DATABASE_URL asks for channel_binding=require, which the asyncpg driver does not do: connecting "
            "without channel binding (TLS as sslmode says)"
        )
    url = url.difference_update_query([CHANNEL_BINDING])
    libpq = {name: value for name, value in url.query.items() if name in LIBPQ_PARAMETERS}
    if not libpq:
        return url, {}
    # Host, user and database still come from the URL: asyncpg lets explicit arguments win over the DSN.
    return url.difference_update_query(libpq), {"dsn": "postgresql://?" + urlencode(libpq, doseq=True)}


def pgbouncer_connect_args() -> dict[str, Any]:
    """asyncpg behind PgBouncer in transaction mode: no statement caches, a fresh name per prepared statement."""
    # The next transaction may run on another server connection, where a cached statement does not exist.
    return {
        "statement_cache_size": 0,
        "prepared_statement_cache_size": 0,
        "prepared_statement_name_func": lambda: f"__asyncpg_{uuid4()}__",
    }


def database_for(settings: Settings) -> Database:
    """The process's database as the settings configure it (URL, pool, PgBouncer)."""
    return Database(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pgbouncer=settings.db_pgbouncer,
    )


def mask_password(raw: str | URL) -> str:
    """The URL as text with its password replaced by ***."""
    try:
        url = raw if isinstance(raw, URL) else make_url(raw)
    except ArgumentError:
        return "<unparseable URL>"
    return url.render_as_string(hide_password=True)


# How much of the inbound file the ack's connection reads through a memory map (see blocking_sqlite_connection).
QUICK_INSERT_MMAP_BYTES = 256 * 1024 * 1024

# Database drivers log every statement with its parameters at DEBUG: personal data and, side by side, an
# invitation update and a ballot insert. They stay at WARNING whatever level the operator asks for.
DRIVER_LOGGERS = ("aiosqlite", "asyncpg", "sqlalchemy.engine", "sqlalchemy.pool")


def quiet_driver_logs() -> None:
    """Keep database drivers from logging statements and their parameters."""
    for name in DRIVER_LOGGERS:
        logger = logging.getLogger(name)
        logger.setLevel(max(logger.level, logging.WARNING))


class Database:
    """One engine per process; `session()` hands out transactions."""

    def __init__(
        self,
        raw_url: str,
        *,
        echo: bool = False,
        pool_size: int = 10,
        max_overflow: int = 20,
        pgbouncer: bool = False,
    ) -> None:
        quiet_driver_logs()
        self.url = async_url(raw_url)
        self.masked_url = mask_password(self.url)
        # A failed statement's error names its statement, not its values (a person's name, a comment): errors
        # are logged, and no log line may carry personal data.
        kwargs: dict[str, Any] = {"echo": echo, "hide_parameters": True}
        engine_url = self.url
        if self.is_sqlite:
            kwargs["connect_args"] = {"timeout": 30}
            if self.is_sqlite_file:
                # The same pool as on PostgreSQL: each connection here is a thread and its pragmas.
                kwargs.update(pool_size=pool_size, max_overflow=max_overflow)
        else:
            engine_url, connect_args = _asyncpg_dsn(self.url)
            if pgbouncer:
                connect_args.update(pgbouncer_connect_args())
            kwargs.update(
                pool_size=pool_size, max_overflow=max_overflow, pool_pre_ping=True, connect_args=connect_args
            )
        self.engine: AsyncEngine = create_async_engine(engine_url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", self._on_sqlite_connect)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._side_files: dict[str, Database] = {}
        self._schema: list[str] = []  # a side file's tables, made on each new connection if missing
        # A side file's columns by table, each with the clause that adds it to a file an older version made.
        self._columns: dict[str, list[tuple[str, str]]] = {}

    def side_file(self, suffix: str, tables: list[Table]) -> Database:
        """A SQLite file of its own beside this one (`<file><suffix>`) holding `tables`; elsewhere this database.

        SQLite lets one connection write to a file at a time: a writer that must not wait for the others (the
        ack's store) gets a file of its own. PostgreSQL locks rows, not the database; in memory there is no
        file to put beside it. The side file has no migrations: its tables are made on first use, and a column
        added since a file was made is added to it then too.
        """
        if not self.is_sqlite_file:
            return self
        side = self._side_files.get(suffix)
        if side is None:
            side = Database(self.url.set(database=f"{self.url.database}{suffix}").render_as_string(False))
            dialect = sqlite.dialect()
            for table in tables:
                side._schema.append(str(CreateTable(table, if_not_exists=True).compile(dialect=dialect)))
                side._schema += [
                    str(CreateIndex(index, if_not_exists=True).compile(dialect=dialect))
                    for index in table.indexes
                ]
                side._columns[table.name] = [
                    (column.name, str(CreateColumn(column).compile(dialect=dialect)))
                    for column in table.columns
                ]
            self._side_files[suffix] = side
        return side

    def side_files(self) -> list[Database]:
        """The side files made so far (a scrub must reach them too)."""
        return list(self._side_files.values())

    def blocking_sqlite_connection(self) -> sqlite3.Connection:
        """A file's own connection through the standard library, for the caller's thread (see quick_insert).

        Autocommit (the caller writes BEGIN and COMMIT), failing at once on a locked file, and never running a
        checkpoint itself: a checkpoint syncs the disk, which the thread that serves HTTP must not wait for;
        the other connections to the file (the event processes' leases and completions) run them.
        """
        assert self.is_sqlite_file and self.url.database
        connection = sqlite3.connect(self.url.database, timeout=0, isolation_level=None)
        _sqlite_pragmas(connection)
        connection.execute("PRAGMA busy_timeout=0")
        connection.execute("PRAGMA wal_autocheckpoint=0")
        # Pages read through a memory map: SQLite drops a connection's page cache whenever another connection
        # has written (the event processes' leases and completions), and without the map each random page of
        # the key index is then read again by a system call. Serve's ceiling in later rounds of
        # bench/slack_events.py's flood, with 15,000 to 50,000 keys stored: 3,987/s against 3,682/s (nine
        # rounds each). Only address space: the pages are the operating system's file cache.
        connection.execute(f"PRAGMA mmap_size={QUICK_INSERT_MMAP_BYTES}")
        self._make_schema(connection)
        return connection

    def _on_sqlite_connect(self, dbapi_connection: Any, _record: Any) -> None:
        _sqlite_pragmas(dbapi_connection)
        self._make_schema(dbapi_connection)

    def _make_schema(self, dbapi_connection: Any) -> None:
        cursor = dbapi_connection.cursor()
        for statement in self._schema:
            cursor.execute(statement)
        for table, columns in self._columns.items():
            cursor.execute(f"PRAGMA table_info({table})")
            present = {row[1] for row in cursor.fetchall()}
            for name, definition in columns:
                if name not in present:
                    _add_column(cursor, table, definition)
        cursor.close()

    @property
    def is_sqlite(self) -> bool:
        """True on SQLite, where one process owns the outbox."""
        return self.url.get_backend_name() == "sqlite"

    def insert(self, table: Table) -> SqliteInsert | PostgresInsert:
        """An INSERT in this database's dialect, for its ON CONFLICT clauses."""
        return sqlite_insert(table) if self.is_sqlite else postgres_insert(table)

    @property
    def is_sqlite_file(self) -> bool:
        """True on SQLite in a file (not in memory)."""
        return self.is_sqlite and self.url.database not in (None, "", ":memory:")

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session in one transaction: committed on success, rolled back on error."""
        async with self._sessions() as session, session.begin():
            yield session

    @asynccontextmanager
    async def one_statement_transactions(self) -> AsyncIterator[AsyncConnection]:
        """On SQLite a connection on which each statement is a transaction of its own (autocommit); elsewhere one
        transaction for the block.

        On SQLite a transaction of several calls holds the file's write lock from its first write to its
        commit, while its process (busy, or niced below the web process) comes back to it; a single statement
        holds it only while SQLite runs it.
        """
        if not self.is_sqlite:
            # PostgreSQL locks rows, not the database: a transaction costs nothing more, and behind PgBouncer in
            # transaction mode it keeps each statement's preparing and running on one server connection.
            async with self.engine.begin() as conn:
                yield conn
            return
        conn = await self.autocommit_connection()
        try:
            yield conn
        finally:
            await conn.close()

    async def run_outside_transactions(self, statement: str) -> None:
        """Run a statement no transaction may hold (VACUUM) on PostgreSQL, as one simple query.

        Not prepared: behind PgBouncer in transaction mode a statement prepared outside a transaction may run
        on another server connection, where it does not exist.
        """
        async with self.engine.connect() as conn:
            raw = await conn.get_raw_connection()
            await raw.driver_connection.execute(statement)  # type: ignore[union-attr]

    async def autocommit_connection(self) -> AsyncConnection:
        """As `one_statement_transactions`, a connection the caller keeps and closes itself."""
        conn = await self.engine.connect()
        return await conn.execution_options(isolation_level="AUTOCOMMIT")

    async def check(self) -> None:
        """Raise DatabaseError (URL masked) unless the database answers."""
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception as exc:  # every driver has its own errors; the operator needs the URL and a reason
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise DatabaseError(f"database unreachable at {self.masked_url}: {reason}") from None

    async def autovacuum_off(self) -> bool:
        """Whether PostgreSQL's autovacuum is turned off for the whole server (never on SQLite)."""
        if self.is_sqlite:
            return False
        async with self.engine.connect() as conn:
            return str((await conn.execute(text("SHOW autovacuum"))).scalar()).lower() == "off"

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()
        for side in self._side_files.values():
            await side.dispose()


def switch_to_wal(cursor: Any, patience_seconds: float = 5.0) -> None:
    """Put a SQLite file in WAL mode, retrying while another process holds it.

    The switch needs the file to itself, and SQLite refuses it at once, without the busy timeout, while
    another connection holds a write lock (two processes' first writes to a new file).
    """
    deadline = time.monotonic() + patience_seconds
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.005)


def _add_column(cursor: Any, table: str, definition: str) -> None:
    """Add a column to a side file an older version made (another process may have just added it)."""
    try:
        cursor.execute(f"ALTER TABLE {table} ADD COLUMN {definition}")
    except sqlite3.OperationalError as exc:
        if "duplicate column" not in str(exc):
            raise


def _sqlite_pragmas(dbapi_connection: Any) -> None:
    # WAL lets the web process read while the worker writes; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    switch_to_wal(cursor)
    # In WAL mode NORMAL never corrupts the file; only the last commits may be lost on power failure.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    # Deleted rows are overwritten with zeros, not left readable in free pages (sealed pulse ballots, above all).
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()
