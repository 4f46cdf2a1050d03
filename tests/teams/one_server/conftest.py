"""One `clueline serve` for a whole module, per Teams backend and database, for the modules of this folder
(starting a server per test was most of their time). Each test keeps to its own people, conversations and
outbox rows, and the fake forgets the previous test's calls."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.fake_teams import FakeTeams
from tests.teams.conftest import Server, start_server


@pytest.fixture(scope="module")
def shared_serve(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    module_database_url: str,
    module_fake: FakeTeams,
    teams_backend: str,
) -> Iterator[Server]:
    """`clueline serve` with an app id (posts carry valid tokens) for the module's tests on this backend."""
    folder = tmp_path_factory.mktemp(f"{request.module.__name__.rpartition('.')[2]}-{teams_backend}")
    server = start_server(folder, module_database_url, module_fake, tokens=True)
    yield server
    server.stop()


@pytest.fixture
def fake(module_fake: FakeTeams) -> FakeTeams:
    """The module's fake Teams, with nothing recorded yet."""
    module_fake.forget()
    return module_fake


@pytest.fixture
def serve(shared_serve: Server, fake: FakeTeams) -> Server:
    """The module's server, for this test."""
    return shared_serve


@pytest.fixture
def database_url(module_database_url: str) -> str:
    """The module's database, which its server uses."""
    return module_database_url
