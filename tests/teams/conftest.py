"""A fake Teams service, and `clueline serve` subprocesses whose Teams traffic goes to it.

Every test of this folder runs once per Teams backend (`teams_backend`: botbuilder, agents): servers started
here get CLUELINE_TEAMS_BACKEND, and in-process adapters come from `new_adapter`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
import requests

from adapters.teams import TEAMS_BACKENDS, TeamsAdapterBase, TeamsConfig, new_teams_adapter
from tests.conftest import fresh_database
from tests.support import databases
from tests.support.fake_teams import APP_ID, APP_PASSWORD, TENANT, FakeTeams
from tests.support.processes import free_port

ROOT = Path(__file__).resolve().parents[2]
T = TypeVar("T")
BACKEND_VARIABLE = "CLUELINE_TEAMS_BACKEND"
NewAdapter = Callable[[TeamsConfig], TeamsAdapterBase]


@pytest.fixture(scope="module", params=TEAMS_BACKENDS, autouse=True)
def teams_backend(request: pytest.FixtureRequest) -> Iterator[str]:
    """The Teams backend this run of the module's tests uses (servers started here inherit it)."""
    backend = str(request.param)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(BACKEND_VARIABLE, backend)
        yield backend


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def module_database_url(
    request: pytest.FixtureRequest,
    teams_backend: str,
    sqlite_template: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> str:
    """An empty, migrated database of each backend that a module shares on one Teams backend (for a server its
    tests share, each test keeping to its own people and conversations)."""
    folder = tmp_path_factory.mktemp(f"module-database-{teams_backend}")
    return fresh_database(request.param, sqlite_template, folder)


@pytest.fixture
def new_adapter(teams_backend: str) -> NewAdapter:
    """Builds an in-process Teams adapter of the backend under test."""
    return lambda config: new_teams_adapter(config, teams_backend)


def eventually(check: Callable[[], T | None], what: str, seconds: float = 20.0) -> T:
    """Poll until `check` returns something truthy (the other process works at its own pace)."""
    deadline = time.monotonic() + seconds
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.05)


@dataclass
class Server:
    """A running `clueline serve` (or the probe server), reachable at `url`."""

    process: subprocess.Popen[bytes]
    url: str
    log: Path
    # Mints a valid token for a service URL, for posts that name none (servers started with `tokens=True`).
    mint: Callable[[str], str] | None = None

    def post(self, activity: dict[str, Any], token: str | None = None) -> requests.Response:
        if token is None and self.mint is not None:
            token = self.mint(str(activity.get("serviceUrl") or ""))
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return requests.post(f"{self.url}/api/messages", json=activity, headers=headers, timeout=30)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)


def backend_under_test() -> str:
    """The Teams backend of the running module (see `teams_backend`); the default elsewhere."""
    return os.environ.get(BACKEND_VARIABLE, "botbuilder")


def bot_token_endpoint(fake: FakeTeams) -> str:
    """Where an in-process bot gets its own token: over HTTPS for the Agents SDK's MSAL, which speaks nothing
    else; over HTTP for botbuilder's aiohttp fetch, whose TLS trust was settled when aiohttp was imported."""
    return fake.secure_token_endpoint if backend_under_test() == "agents" else fake.token_endpoint


@pytest.fixture
def trusting(monkeypatch: pytest.MonkeyPatch) -> Callable[[FakeTeams], FakeTeams]:
    """Makes this process's `requests` (so MSAL) trust a fake and reach it as Microsoft's login host."""

    def trust(fake: FakeTeams) -> FakeTeams:
        for name, value in fake.secure_env().items():
            monkeypatch.setenv(name, value)
        return fake

    return trust


def teams_env(database_url: str, fake: FakeTeams, *, with_app_id: bool) -> dict[str, str]:
    """The settings of a `clueline` process whose Teams traffic goes to `fake` (its other variables cleared)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MICROSOFT_", "CLUELINE_", "SLACK_"))}
    backend = backend_under_test()
    env.update(
        {
            "DATABASE_URL": database_url,
            "HOST": "127.0.0.1",
            "CLUELINE_TEAMS_OPENID_METADATA_URL": fake.metadata_url,
            # HTTPS, which both backends' processes trust (`secure_env`) and MSAL insists on.
            "CLUELINE_TEAMS_TOKEN_ENDPOINT": fake.secure_token_endpoint,
            **fake.secure_env(),
            "CLUELINE_TEAMS_SERVICE_URL": fake.url,
            "CLUELINE_OUTBOX_POLL_SECONDS": "0.1",
            "CLUELINE_LOG_LEVEL": "INFO",
            "PYTHONPATH": str(ROOT),
            # The backend under test in this folder (see `teams_backend`); the default elsewhere.
            BACKEND_VARIABLE: backend,
            "CLUELINE_SECRET_KEY": databases.TEST_SECRET_KEY,
        }
    )
    if with_app_id:
        env.update(
            {
                "MICROSOFT_APP_ID": APP_ID,
                "MICROSOFT_APP_PASSWORD": APP_PASSWORD,
                "CLUELINE_TEAMS_ALLOWED_TENANTS": TENANT,
            }
        )
    return env


def start_server(
    tmp_path: Path,
    database_url: str,
    fake: FakeTeams,
    *,
    with_app_id: bool = False,
    tokens: bool = False,
    module: str = "bot.cli",
    env: dict[str, str] | None = None,
) -> Server:
    """Start a server process on a free port and wait until it answers /healthz.

    `tokens`: the bot has an app id, and posts without a token of their own carry a valid one from the fake.
    """
    port = free_port()
    settings_env = {**teams_env(database_url, fake, with_app_id=with_app_id or tokens), "PORT": str(port)}
    log = tmp_path / f"server-{port}.log"
    args = [sys.executable, "-m", module, *(["serve"] if module == "bot.cli" else [])]
    with log.open("wb") as output:
        process = subprocess.Popen(
            args, cwd=tmp_path, env={**settings_env, **(env or {})}, stdout=output, stderr=output
        )
    server = Server(process, f"http://127.0.0.1:{port}", log, fake.token if tokens else None)

    def healthy() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"the server exited: {server.output()[-2000:]}")
        try:
            return requests.get(f"{server.url}/healthz", timeout=2).status_code == 200
        except requests.ConnectionError:
            return False

    try:
        eventually(healthy, "the server to answer /healthz", seconds=60)
    except BaseException:
        server.stop()
        raise
    return server


@pytest.fixture
def fake() -> Iterator[FakeTeams]:
    """The fake Bot Connector, token endpoint and OpenID metadata of one test."""
    service = FakeTeams().start()
    yield service
    service.stop()


@pytest.fixture
def serve(tmp_path: Path, database_url: str, fake: FakeTeams) -> Iterator[Server]:
    """`clueline serve` with an app id on the test's database; posts carry valid tokens unless given one."""
    server = start_server(tmp_path, database_url, fake, tokens=True)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def module_fake() -> Iterator[FakeTeams]:
    """One fake Teams for a module of token tests."""
    service = FakeTeams().start()
    yield service
    service.stop()


@pytest.fixture(scope="module")
def authenticated(
    tmp_path_factory: pytest.TempPathFactory,
    sqlite_template: Path,
    module_fake: FakeTeams,
    teams_backend: str,
) -> Iterator[Server]:
    """`clueline serve` with an app id, so that every request must carry a valid token (SQLite is enough)."""
    tmp_path = tmp_path_factory.mktemp("teams-auth")
    server = start_server(
        tmp_path, databases.copy_sqlite(sqlite_template, tmp_path), module_fake, with_app_id=True
    )
    yield server
    server.stop()
