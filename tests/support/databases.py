"""Test databases: a migrated SQLite file per test, and a private PostgreSQL database per test session."""

from __future__ import annotations

import asyncio
import io
import os
import shutil
import sqlite3
import uuid
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]

from bot.db import migrate
from bot.db.database import Database

# The key that seals pulse answers (bot/secret_key.py), which a PostgreSQL deployment must set.
TEST_SECRET_KEY = "test-deployment-secret-key-0123456789"
POSTGRES_ADMIN_URL = os.environ.get("CLUELINE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


async def postgres_reachable() -> str | None:
    """None when the test PostgreSQL answers, else the reason it does not."""
    try:
        conn = await asyncio.wait_for(asyncpg.connect(POSTGRES_ADMIN_URL), timeout=5)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    await conn.close()
    return None


def _server_url(database: str) -> str:
    base, _, _ = POSTGRES_ADMIN_URL.rpartition("/")
    return f"{base}/{database}"


async def create_postgres_database() -> str:
    """A fresh, migrated PostgreSQL database of this test session; returns its URL."""
    name = f"clueline_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    url = _server_url(name)
    database = Database(url)
    try:
        await migrate.upgrade(database)
    finally:
        await database.dispose()
    return url


async def drop_postgres_database(url: str) -> None:
    """Drop a database made by create_postgres_database."""
    name = url.rpartition("/")[2]
    conn = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def empty_postgres_tables(url: str) -> None:
    """Truncate every table but Alembic's, so each test starts empty."""
    conn = await asyncpg.connect(url)
    try:
        tables = await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
        )
        if tables:
            names = ", ".join(f'"{row["tablename"]}"' for row in tables)
            await conn.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    finally:
        await conn.close()


async def migrated_sqlite_template(folder: Path) -> Path:
    """A migrated SQLite file to copy for each test."""
    path = folder / "template.db"
    database = Database(f"sqlite:///{path}")
    try:
        await migrate.upgrade(database)
    finally:
        await database.dispose()
    return path


def copy_sqlite(template: Path, folder: Path) -> str:
    """A private copy of the template; returns its URL."""
    path = folder / f"{uuid.uuid4().hex[:8]}.db"
    shutil.copy(template, path)
    return f"sqlite:///{path}"


@dataclass
class Contents:
    """What a test database held at one moment, to put into another empty one: a SQLite file, or PostgreSQL's
    rows (binary COPY per table) and sequence positions."""

    sqlite_file: Path | None = None
    tables: dict[str, bytes] = field(default_factory=dict)
    sequences: dict[str, int] = field(default_factory=dict)


def _sqlite_path(url: str) -> Path | None:
    return Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None


async def copy_contents(url: str, folder: Path) -> Contents:
    """Everything the database at `url` holds now (it may be in use: SQLite's backup reads a consistent copy)."""
    path = _sqlite_path(url)
    if path is not None:
        copy = folder / f"contents-{uuid.uuid4().hex[:8]}.db"
        with closing(sqlite3.connect(path)) as source, closing(sqlite3.connect(copy)) as target:
            source.backup(target)
        return Contents(sqlite_file=copy)
    contents = Contents()
    conn = await asyncpg.connect(url)
    try:
        for row in await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
        ):
            rows = io.BytesIO()
            await conn.copy_from_table(row["tablename"], output=rows, format="binary")
            contents.tables[row["tablename"]] = rows.getvalue()
        for row in await conn.fetch(
            "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'"
        ):
            if row["last_value"] is not None:
                contents.sequences[row["sequencename"]] = row["last_value"]
    finally:
        await conn.close()
    return contents


async def restore_contents(contents: Contents, url: str) -> None:
    """Fill the empty database at `url` (no connection open to it yet, for SQLite) with `contents`."""
    path = _sqlite_path(url)
    if path is not None:
        assert contents.sqlite_file is not None, "SQLite contents go into a SQLite database"
        shutil.copy(contents.sqlite_file, path)
        return
    conn = await asyncpg.connect(url)
    try:
        async with conn.transaction():
            # Rows go in table by table, so foreign keys are checked by the copy's origin, not again here.
            await conn.execute("SET LOCAL session_replication_role = replica")
            for table, rows in contents.tables.items():
                await conn.copy_to_table(table, source=io.BytesIO(rows), format="binary")
            for sequence, position in contents.sequences.items():
                await conn.execute("SELECT setval($1, $2)", sequence, position)
    finally:
        await conn.close()
