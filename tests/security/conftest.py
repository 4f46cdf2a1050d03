"""A `clueline serve` with every public route configured (Slack, Teams with an app id, the feedback webhook),
a second one in Slack OAuth mode, "the attacker's URL" that records any request made to it, and a tally of
what the fuzz tests sent, printed at the end of the run."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.slack.payloads import SECRET as SLACK_SECRET
from tests.support import databases
from tests.support.fake_slack import FakeSlack
from tests.support.fake_teams import FakeTeams
from tests.teams.conftest import Server, start_server

FEEDBACK_SECRET = "fuzz-feedback-secret"
TALLY: Counter[str] = Counter()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if TALLY["tried"]:
        terminalreporter.write_line(
            f"fuzz: {TALLY['tried']} requests tried, {TALLY['refused']} refused (4xx), "
            f"{TALLY['5xx']} answered 5xx"
        )


def tally(status: int) -> int:
    """Count one fuzzed request by its answer; returns the status."""
    TALLY["tried"] += 1
    if 400 <= status < 500:
        TALLY["refused"] += 1
    elif status >= 500:
        TALLY["5xx"] += 1
    return status


@dataclass
class Attacker:
    """A local HTTP server standing for an address a request supplied; it records every hit."""

    hits: list[str] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/"

    def start(self) -> Attacker:
        hits = self.hits

        class Record(BaseHTTPRequestHandler):
            def _hit(self) -> None:
                hits.append(f"{self.command} {self.path}")
                self.send_response(200)
                self.end_headers()

            do_GET = do_POST = do_PUT = do_DELETE = _hit

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Record)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


class LoopThread:
    """An event loop in a thread, for in-process async fakes beside synchronous tests."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(30)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@dataclass
class Target:
    """The server under test and what it talks to."""

    server: Server
    database: Path
    teams: FakeTeams
    slack: FakeSlack
    attacker: Attacker
    session: requests.Session
    refused: int = 0  # 4xx answers this server gave to the fuzz tests

    @property
    def url(self) -> str:
        return self.server.url

    def feedback_rows(self) -> int:
        with sqlite3.connect(self.database) as connection:
            return int(connection.execute("SELECT COUNT(*) FROM feedback_item").fetchone()[0])

    def refusal_lines(self) -> list[str]:
        return [line for line in self.server.output().splitlines() if "refused" in line]


@pytest.fixture(scope="module")
def attacker() -> Iterator[Attacker]:
    """The attacker's URL; every test module checks it got nothing."""
    server = Attacker().start()
    yield server
    server.stop()
    assert server.hits == [], f"the server called an address a request supplied: {server.hits[:3]}"


@pytest.fixture(scope="module")
def loop_thread() -> Iterator[LoopThread]:
    thread = LoopThread()
    yield thread
    thread.stop()


@pytest.fixture(scope="module")
def fake_slack_api(loop_thread: LoopThread) -> Iterator[FakeSlack]:
    fake = FakeSlack()
    loop_thread.run(fake.__aenter__())
    yield fake
    loop_thread.run(fake.__aexit__(None, None, None))


@pytest.fixture(scope="module")
def teams_service() -> Iterator[FakeTeams]:
    service = FakeTeams().start()
    yield service
    service.stop()


def _serve(tmp_path: Path, template: Path, teams: FakeTeams, env: dict[str, str]) -> tuple[Server, Path]:
    url = databases.copy_sqlite(template, tmp_path)
    server = start_server(tmp_path, url, teams, with_app_id=True, env=env)
    return server, Path(url.removeprefix("sqlite:///"))


@dataclass
class Parts:
    """What every server under test is started with."""

    factory: pytest.TempPathFactory
    template: Path
    teams: FakeTeams
    slack: FakeSlack
    attacker: Attacker

    def serve(self, env: dict[str, str]) -> Iterator[Target]:
        """A server with these parts and `env` on top, stopped after the module."""
        env = {"SLACK_SIGNING_SECRET": SLACK_SECRET, "SLACK_API_URL": self.slack.url, **env}
        url = databases.copy_sqlite(self.template, self.factory.mktemp("fuzz"))
        database = Path(url.removeprefix("sqlite:///"))
        server = start_server(database.parent, url, self.teams, with_app_id=True, env=env)
        with requests.Session() as session:
            yield Target(server, database, self.teams, self.slack, self.attacker, session)
        server.stop()


@pytest.fixture(scope="module")
def parts(
    tmp_path_factory: pytest.TempPathFactory,
    sqlite_template: Path,
    teams_service: FakeTeams,
    fake_slack_api: FakeSlack,
    attacker: Attacker,
) -> Parts:
    return Parts(tmp_path_factory, sqlite_template, teams_service, fake_slack_api, attacker)


@pytest.fixture(scope="module")
def target(parts: Parts) -> Iterator[Target]:
    """`clueline serve` with Slack (one workspace), Teams (app id set) and the feedback webhook, on SQLite."""
    yield from parts.serve({"SLACK_BOT_TOKEN": "xoxb-test", "CLUELINE_FEEDBACK_SECRET": FEEDBACK_SECRET})


@pytest.fixture(scope="module")
def oauth_target(parts: Parts) -> Iterator[Target]:
    """`clueline serve` in Slack OAuth mode: /slack/install and /slack/oauth_redirect exist."""
    env = {
        "SLACK_CLIENT_ID": "1111.2222",
        "SLACK_CLIENT_SECRET": "oauth-client-secret",
        "SLACK_ALLOWED_TEAMS": "*",
    }
    yield from parts.serve(env)
