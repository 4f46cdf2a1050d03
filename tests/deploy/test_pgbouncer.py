"""Behind PgBouncer in transaction mode (CLUELINE_DB_PGBOUNCER=1): every write of the inbound queue works.

Heroku's and Supabase's poolers hand each transaction whichever server connection is free. A statement prepared
outside a transaction may then run on another server connection, where it does not exist.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.clock import SystemClock
from bot.core.dedupe import EventDedupe
from bot.core.event_seal import EventSeal
from bot.core.inbound_queue import InboundQueue
from bot.db import migrate
from bot.db.database import Database
from bot.features.pulse.scrubbing import scrub_pending_ballots
from bot.secret_key import SecretKey
from tests.core.test_inbound_queue import message

PGBOUNCER = shutil.which("pgbouncer") or next(
    (path for path in ("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer") if Path(path).exists()), None
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def pgbouncer_url(postgres_url: str) -> Iterator[str]:
    """The test database behind a PgBouncer in transaction mode with two server connections."""
    if PGBOUNCER is None:
        pytest.skip("pgbouncer is not installed (Debian: apt-get install pgbouncer)")
    # PgBouncer refuses to run as root: then as nobody, from a folder nobody may read and write.
    tmp_path = Path(tempfile.mkdtemp(prefix="clueline-pgbouncer-"))
    tmp_path.chmod(0o777)
    as_user = ["-u", "nobody"] if os.geteuid() == 0 else []
    server = make_url(postgres_url)
    port = free_port()
    (tmp_path / "users.txt").write_text(f'"{server.username}" ""\n')
    config = tmp_path / "pgbouncer.ini"
    config.write_text(
        f"[databases]\n* = host={server.host} port={server.port}\n"
        f"[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {port}\nauth_type = trust\n"
        f"auth_file = {tmp_path / 'users.txt'}\npool_mode = transaction\ndefault_pool_size = 2\n"
        f"max_client_conn = 100\nunix_socket_dir =\nlogfile = {tmp_path / 'pgbouncer.log'}\n"
    )
    process = subprocess.Popen(
        [PGBOUNCER, *as_user, str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            assert process.poll() is None, (tmp_path / "pgbouncer.log").read_text(errors="replace")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "pgbouncer did not start"
                time.sleep(0.05)
        yield server.set(port=port).render_as_string(hide_password=False)
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(tmp_path, ignore_errors=True)


async def busy(url: str, stop: asyncio.Event) -> None:
    """Another client of the pooler, keeping its few server connections changing hands."""
    connection = await asyncpg.connect(
        url.replace("postgresql+asyncpg://", "postgresql://"), statement_cache_size=0
    )
    try:
        while not stop.is_set():
            await connection.fetch("SELECT pg_sleep(0.001)")
    finally:
        await connection.close()


async def test_behind_pgbouncer_events_are_stored_leased_renewed_and_completed_without_an_error(
    pgbouncer_url: str,
) -> None:
    database = Database(pgbouncer_url, pgbouncer=True)
    queue = InboundQueue(database, SystemClock(), EventSeal(SecretKey("pgbouncer-test-key", pgbouncer_url)))
    dedupe = EventDedupe(database, SystemClock())
    stop = asyncio.Event()
    others = [asyncio.create_task(busy(pgbouncer_url, stop)) for _ in range(8)]
    handled: list[str] = []
    try:
        for n in range(40):
            assert await queue.store(f"k{n}", "slack", message(n))
            for stored in await queue.lease(f"host:{n % 3}", 2):
                assert await queue.renew(f"host:{n % 3}", [stored.key]) == {stored.key}
                await dedupe.complete(stored.key)
                handled.append(stored.key)
    finally:
        stop.set()
        await asyncio.gather(*others)
        await queue.close()
        await database.dispose()
    assert sorted(handled) == sorted(f"k{n}" for n in range(40))


async def test_behind_pgbouncer_deleted_ballots_are_scrubbed(
    pgbouncer_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.features.pulse.scrubbing")
    database = Database(pgbouncer_url, pgbouncer=True)
    stop = asyncio.Event()
    others = [asyncio.create_task(busy(pgbouncer_url, stop)) for _ in range(8)]
    try:
        for _ in range(10):
            await scrub_pending_ballots(database)
    finally:
        stop.set()
        await asyncio.gather(*others)
        await database.dispose()
    assert caplog.text.count("deleted ballots scrubbed") == 10


async def test_behind_pgbouncer_three_processes_upgrading_the_schema_at_once_all_succeed(
    pgbouncer_url: str,
) -> None:
    # Each upgrade is one transaction holding a transaction-level advisory lock: the pooler keeps it on one server
    # connection from the lock to the commit.
    databases = [Database(pgbouncer_url, pgbouncer=True) for _ in range(3)]
    stop = asyncio.Event()
    others = [asyncio.create_task(busy(pgbouncer_url, stop)) for _ in range(8)]
    try:
        await asyncio.gather(*(migrate.upgrade(database) for database in databases))
        async with databases[0].session() as session:
            version = await session.scalar(text("SELECT version_num FROM alembic_version"))
    finally:
        stop.set()
        await asyncio.gather(*others)
        for database in databases:
            await database.dispose()
    assert version == ScriptDirectory.from_config(migrate.alembic_config()).get_current_head()
