"""The async engine and its sessions, on a SQLite file or PostgreSQL."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

_ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "sqlite+pysqlite": "sqlite+aiosqlite",
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
    "postgresql+psycopg2": "postgresql+asyncpg",
    "postgresql+psycopg": "postgresql+asyncpg",
    "postgresql+pg8000": "postgresql+asyncpg",
}


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
    return url.set(drivername=driver)


def mask_password(raw: str | URL) -> str:
    """The URL as text with its password replaced by ***."""
    try:
        url = raw if isinstance(raw, URL) else make_url(raw)
    except ArgumentError:
        return "<unparseable URL>"
    return url.render_as_string(hide_password=True)


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

    def __init__(self, raw_url: str, *, echo: bool = False) -> None:
        quiet_driver_logs()
        self.url = async_url(raw_url)
        self.masked_url = mask_password(self.url)
        kwargs: dict[str, Any] = {"echo": echo}
        if self.is_sqlite:
            kwargs["connect_args"] = {"timeout": 30}
        else:
            kwargs.update(pool_size=10, max_overflow=20, pool_pre_ping=True)
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        """True on SQLite, where one process owns the outbox."""
        return self.url.get_backend_name() == "sqlite"

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session in one transaction: committed on success, rolled back on error."""
        async with self._sessions() as session, session.begin():
            yield session

    async def check(self) -> None:
        """Raise DatabaseError (URL masked) unless the database answers."""
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception as exc:  # every driver has its own errors; the operator needs the URL and a reason
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise DatabaseError(f"database unreachable at {self.masked_url}: {reason}") from None

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the web process read while the worker writes; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # In WAL mode NORMAL never corrupts the file; only the last commits may be lost on power failure.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    # Deleted rows are overwritten with zeros, not left readable in free pages (sealed pulse ballots, above all).
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()
