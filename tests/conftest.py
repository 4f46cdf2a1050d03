"""Fixtures shared by every test: a database per backend (SQLite always, PostgreSQL when it answers)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.runtime import Runtime
from bot.settings import Settings
from tests.support import databases
from tests.support.runtime import build_test_runtime

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
_postgres_state: dict[str, str | None] = {}


def _postgres_url() -> str | None:
    """The session's PostgreSQL database, made on first use; None (skip) when unreachable outside CI."""
    if "url" in _postgres_state:
        return _postgres_state["url"]
    reason = asyncio.run(databases.postgres_reachable())
    if reason is not None:
        if IN_CI:
            pytest.exit(
                f"PostgreSQL at {databases.POSTGRES_ADMIN_URL} is unreachable in CI: {reason}", returncode=3
            )
        _postgres_state["url"] = None
        _postgres_state["skipped"] = reason
        return None
    _postgres_state["url"] = asyncio.run(databases.create_postgres_database())
    return _postgres_state["url"]


# Modules whose tests start processes (`clueline serve`, `worker`, the CLI) or fuzz for seconds: marked slow.
SLOW_MODULES = frozenset(
    {
        "answers/test_cli.py",
        "answers/test_dense_answers.py",
        "answers/test_llm_answers.py",
        "cli/test_cli_hygiene.py",
        "cli/test_demo_first_hour.py",
        "core/test_cli_and_app.py",
        "core/test_outbox_processes.py",
        "core/test_outbox_takeover.py",
        "deploy/test_container_files.py",
        "deploy/test_nothing_dropped.py",
        "deploy/test_observability.py",
        "deploy/test_pgbouncer.py",
        "deploy/test_safe_starts.py",
        "deploy/test_shutdown.py",
        "feedback/test_feedback_cli.py",
        "feedback/test_feedback_demo.py",
        "feedback/test_feedback_slack.py",
        "knowledge/test_gold_set.py",
        "link/test_link_chat.py",
        "link/test_link_demo.py",
        "pulse/test_chart.py",
        "pulse/test_reidentification.py",
        "security/test_fuzz.py",
        "slack/test_delivery_contract.py",
        "slack/test_manifest.py",
        "slack/test_oauth.py",
        "slack/test_who_may_call.py",
        "teams/test_backends.py",
        "teams/test_manifest.py",
        "teams/test_who_may_call.py",
        "teams/test_worker_killed.py",
    }
)
# Files whose tests take minutes (a 150-reply burst paced at Slack's per-channel limit, databases rebuilt for an
# attack): collected first, so that the workers (`-n 3 --dist loadfile`) start them first rather than one
# worker running them alone at the end while the others have nothing left.
LONGEST_MODULES = (
    "deploy/test_nothing_dropped.py",
    "pulse/test_reidentification.py",
    "teams/test_worker_killed.py",
    "deploy/test_shared_limits.py",
)
# Fixtures that start `clueline serve` (tests/slack/conftest.py, tests/teams/conftest.py): their users are slow.
SLOW_FIXTURES = frozenset({"serve", "probe_serve", "authenticated"})
POSTGRES_FIXTURES = frozenset({"postgres_url"})
TESTS = Path(__file__).parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark `postgres` every test on the PostgreSQL database, and `slow` those that start processes; the longest
    files first."""
    kept = [item for item in items if not _same_database_path_twice(item)]
    if len(kept) < len(items):
        config.hook.pytest_deselected(items=[item for item in items if _same_database_path_twice(item)])
        items[:] = kept
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        callspec = getattr(item, "callspec", None)
        on_postgres = callspec is not None and _database_of(callspec.params) == "postgresql"
        if on_postgres or fixtures & POSTGRES_FIXTURES:
            item.add_marker(pytest.mark.postgres)
        if _module(item) in SLOW_MODULES or fixtures & SLOW_FIXTURES:
            item.add_marker(pytest.mark.slow)
    items.sort(key=_longest_first)


def _same_database_path_twice(item: pytest.Item) -> bool:
    """A Teams test on the Agents SDK backend with PostgreSQL: the backend only receives and sends, and what
    reaches the database goes through the same core on either backend, so PostgreSQL is tried with botbuilder and
    the Agents SDK with SQLite (each pair of the four took a quarter of the Teams tests' time)."""
    params = getattr(getattr(item, "callspec", None), "params", {})
    return params.get("teams_backend") == "agents" and _database_of(params) == "postgresql"


def _database_of(params: dict[str, object]) -> object:
    """The database backend a test's parameters name (its own database, or its module's)."""
    return params.get("database_url") or params.get("module_database_url")


def _longest_first(item: pytest.Item) -> int:
    """The place of the item's file in LONGEST_MODULES (the rest after them, in their own order: a stable sort)."""
    module = _module(item)
    return LONGEST_MODULES.index(module) if module in LONGEST_MODULES else len(LONGEST_MODULES)


def _module(item: pytest.Item) -> str:
    """The item's file relative to tests/ ("deploy/test_shutdown.py"), or "" for a file outside it."""
    return item.path.relative_to(TESTS).as_posix() if item.path.is_relative_to(TESTS) else ""


def pytest_configure(config: pytest.Config) -> None:
    # `clueline serve` and `worker` started by tests on PostgreSQL need the deployment's secret key.
    os.environ.setdefault("CLUELINE_SECRET_KEY", databases.TEST_SECRET_KEY)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    url = _postgres_state.get("url")
    if url:
        asyncio.run(databases.drop_postgres_database(url))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _postgres_state.get("skipped"):
        terminalreporter.write_line(
            f"PostgreSQL tests were skipped: no server at {databases.POSTGRES_ADMIN_URL} "
            f"({_postgres_state['skipped'][:80]})"
        )


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite database to copy."""
    return asyncio.run(databases.migrated_sqlite_template(tmp_path_factory.mktemp("template")))


def fresh_database(backend: str, sqlite_template: Path, folder: Path) -> str:
    """An empty, migrated database of `backend` ("sqlite": a copy of the template in `folder`; "postgresql": the
    session's database, emptied); skips the test when PostgreSQL is not reachable outside CI."""
    if backend == "sqlite":
        return databases.copy_sqlite(sqlite_template, folder)
    url = _postgres_url()
    if url is None:
        pytest.skip("PostgreSQL is not reachable")
    asyncio.run(databases.empty_postgres_tables(url))
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, sqlite_template: Path, tmp_path: Path) -> str:
    """An empty, migrated database of each backend."""
    return fresh_database(request.param, sqlite_template, tmp_path)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """The PostgreSQL database alone, for tests of several processes sharing it."""
    url = _postgres_url()
    if url is None:
        pytest.skip("PostgreSQL is not reachable")
    asyncio.run(databases.empty_postgres_tables(url))
    yield url


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Settings of a test process on that database."""
    return Settings(
        database_url=database_url,
        admins=frozenset({"console:lead", "slack:ULEAD"}),
        secret_key=databases.TEST_SECRET_KEY,
    )


@pytest.fixture
async def runtime(settings: Settings) -> AsyncIterator[Runtime]:
    """The services of one process, with every feature registered."""
    runtime = build_test_runtime(settings)
    yield runtime
    await runtime.database.dispose()
