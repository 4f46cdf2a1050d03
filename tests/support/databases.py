"""Test databases: a migrated SQLite file per test, and a private PostgreSQL database per test session."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
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
