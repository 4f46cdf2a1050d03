"""Safe starts and URLs: many processes migrating one fresh SQLite file at once, hosting platforms' PostgreSQL
URLs, the pool and PgBouncer settings, and bad settings refused in one line."""

from __future__ import annotations

import logging
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.app import prepare_database
from bot.db.database import Database, database_for
from bot.settings import Settings
from tests.deploy.processes import answers, plain_env, resolve, run
from tests.support.databases import TEST_SECRET_KEY
from tests.support.processes import free_port


def test_five_processes_starting_at_once_on_a_fresh_sqlite_file_all_stay_alive(tmp_path: Path) -> None:
    # Two `db upgrade` (a release step) and three `worker` race to create the schema and the key file.
    ports = [free_port() for _ in range(3)]
    commands = [["clueline", "db", "upgrade"]] * 2 + [["clueline", "worker"]] * 3
    envs = [plain_env(tmp_path)] * 2 + [plain_env(tmp_path, CLUELINE_WORKER_PORT=str(port)) for port in ports]
    processes = [
        subprocess.Popen(resolve(command), env=env, cwd=tmp_path, stderr=subprocess.PIPE, text=True)
        for command, env in zip(commands, envs, strict=True)
    ]
    try:
        assert [process.wait(timeout=120) for process in processes[:2]] == [0, 0]
        deadline = time.monotonic() + 90
        while not all(answers(f"http://127.0.0.1:{port}/readyz") == 200 for port in ports):
            assert all(process.poll() is None for process in processes[2:]), [
                process.stderr.read()
                for process in processes[2:]
                if process.stderr and process.poll() is not None
            ]
            assert time.monotonic() < deadline
            time.sleep(0.3)
    finally:
        for process in processes[2:]:
            process.terminate()
    assert [process.wait(timeout=30) for process in processes[2:]] == [0, 0, 0]
    # One key for all of them, written whole: pulse answers sealed by any process open in every other.
    assert len((tmp_path / "clueline.db.key").read_bytes()) >= 32


async def _session_setting(url: str, query: str) -> str:
    database = Database(url)
    try:
        async with database.session() as session:
            return str((await session.execute(text(query))).scalar_one())
    finally:
        await database.dispose()


async def test_sslmode_disable_url_connects(postgres_url: str) -> None:
    assert await _session_setting(f"{postgres_url}?sslmode=disable", "SELECT 1") == "1"


async def test_sslmode_prefer_and_application_name_reach_the_server(postgres_url: str) -> None:
    url = f"{postgres_url}?sslmode=prefer&application_name=clueline-test"
    name = await _session_setting(
        url, "SELECT application_name FROM pg_stat_activity WHERE pid = pg_backend_pid()"
    )
    assert name == "clueline-test"


async def test_a_url_asking_for_channel_binding_connects_and_says_it_is_not_done(
    postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    # Neon's URLs end `?sslmode=require&channel_binding=require`; asyncpg does not do channel binding.
    url = f"{postgres_url}?sslmode=prefer&channel_binding=require"
    assert await _session_setting(url, "SELECT 1") == "1"
    assert any("channel_binding=require" in record.getMessage() for record in caplog.records)
    assert await _session_setting(f"{postgres_url}?channel_binding=prefer", "SELECT 1") == "1"


async def test_options_parameter_sets_server_settings(postgres_url: str) -> None:
    url = f"{postgres_url}?options=-c%20statement_timeout%3D1234"
    assert await _session_setting(url, "SHOW statement_timeout") == "1234ms"


def test_heroku_style_url_with_sslmode_migrates_from_the_command_line(
    postgres_url: str, tmp_path: Path
) -> None:
    url = postgres_url.replace("postgresql://", "postgres://", 1) + "?sslmode=prefer"
    result = run(["clueline", "db", "upgrade"], plain_env(tmp_path, DATABASE_URL=url), tmp_path)
    assert result.returncode == 0, result.stderr


async def test_a_server_with_autovacuum_off_is_named_when_a_process_starts(
    postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    database = Database(postgres_url)
    try:
        async with database.engine.connect() as conn:
            server_setting = (await conn.execute(text("SHOW autovacuum"))).scalar()
    finally:
        await database.dispose()
    with caplog.at_level(logging.WARNING, logger="bot.app"):
        await prepare_database(Settings(database_url=postgres_url, secret_key=TEST_SECRET_KEY))
    warned = [record.getMessage() for record in caplog.records if "autovacuum is off" in record.getMessage()]
    # This machine's PostgreSQL runs without it (so the warning is what is tested here); a default server not.
    assert len(warned) == (1 if server_setting == "off" else 0)


async def test_pool_size_and_overflow_are_the_settings(postgres_url: str) -> None:
    database = Database(postgres_url, pool_size=3, max_overflow=2)
    try:
        assert database.engine.pool.size() == 3  # type: ignore[attr-defined]
        assert database.engine.pool._max_overflow == 2  # type: ignore[attr-defined]
    finally:
        await database.dispose()


async def test_an_answering_process_on_sqlite_keeps_open_every_connection_its_pool_may_open(
    tmp_path: Path,
) -> None:
    # It handles as many events at a time as it keeps connections; on a file they cost no server process.
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'c.db'}", db_pool_size=3, db_max_overflow=2)
    database = database_for(settings.for_answering())
    try:
        assert database.engine.pool.size() == 5  # type: ignore[attr-defined]
        assert database.engine.pool._max_overflow == 0  # type: ignore[attr-defined]
    finally:
        await database.dispose()


def test_an_answering_process_on_postgresql_keeps_the_pool_as_set(postgres_url: str) -> None:
    # 30 kept open by every process would pass a small server's connection limit.
    settings = Settings(database_url=postgres_url, db_pool_size=3, db_max_overflow=2)
    assert settings.for_answering() == settings


async def _statement_names(database: Database) -> list[str]:
    async with database.engine.connect() as conn:
        for _ in range(3):
            await conn.execute(text("SELECT 42"))
        rows = await conn.execute(text("SELECT name, statement FROM pg_prepared_statements"))
        return [name for name, statement in rows if statement == "SELECT 42"]


async def test_pgbouncer_mode_leaves_no_prepared_statement_on_the_server_connection(
    postgres_url: str,
) -> None:
    # Behind PgBouncer in transaction mode the next execution may land on another server connection, where a
    # cached statement does not exist: nothing may be reused from a cache.
    cached, fresh = Database(postgres_url), Database(postgres_url, pgbouncer=True)
    try:
        assert len(await _statement_names(cached)) == 1
        assert await _statement_names(fresh) == []
    finally:
        await cached.dispose()
        await fresh.dispose()


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("DATABASE_URL", "postgres://u:p@127.0.0.1:1/db?sslmode=require&connect_timeot=5"),
        ("DATABASE_URL", "postgres://u:p@127.0.0.1:1/db?sslmode=sometimes"),
        ("CLUELINE_DB_POOL_SIZE", "ten"),
        ("CLUELINE_DB_MAX_OVERFLOW", "-1"),
        ("CLUELINE_DB_PGBOUNCER", "maybe"),
        ("CLUELINE_LOG_FORMAT", "xml"),
        ("CLUELINE_WORKER_PORT", "99999"),
    ],
)
@pytest.mark.parametrize("command", [["db", "upgrade"], ["worker"]])
def test_a_bad_setting_stops_the_command_in_one_line_naming_it(
    setting: str, value: str, command: list[str], tmp_path: Path
) -> None:
    result = run(["clueline", *command], plain_env(tmp_path, **{setting: value}), tmp_path, timeout=60)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and setting in lines[0], result.stderr
    assert "p@" not in result.stderr
