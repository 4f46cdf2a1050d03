"""The command line and the HTTP app as an operator meets them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer

from bot.app import create_app
from bot.db.database import async_url, mask_password
from bot.settings import SettingError, Settings, load_settings
from tests.support.cli_exit import clueline as run_clueline

ROOT = Path(__file__).resolve().parents[2]


def clueline(
    *args: str, stdin: str = "", env: dict[str, str] | None = None, cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    return run_clueline({**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}, *args, cwd=cwd, stdin=stdin)


def test_demo_answers_help_from_piped_input(tmp_path: Path) -> None:
    result = clueline("demo", stdin="help\n", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "help" in result.stdout and "Clueline" in result.stdout


def test_unknown_command_exits_2_with_usage() -> None:
    result = clueline("frobnicate")
    assert result.returncode == 2
    assert "usage: clueline" in result.stderr


def test_unknown_flag_exits_2() -> None:
    assert clueline("serve", "--bogus").returncode == 2


def test_unreachable_database_exits_1_with_masked_url(tmp_path: Path) -> None:
    result = clueline(
        "db", "upgrade", env={"DATABASE_URL": "postgres://clueline:s3cret@127.0.0.1:1/nowhere"}, cwd=tmp_path
    )
    assert result.returncode == 1
    assert "127.0.0.1:1/nowhere" in result.stderr
    assert "s3cret" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_bad_setting_names_the_variable() -> None:
    try:
        load_settings({"PORT": "eighty"}, dotenv_path=Path("/nonexistent"))
    except SettingError as exc:
        assert "PORT" in str(exc)
    else:
        raise AssertionError("a bad PORT must be refused")


def test_dotenv_file_is_read_and_environment_wins(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("CLUELINE_FEEDBACK_SECRET=from-file\nPORT=4000\n")
    settings = load_settings({"PORT": "5000"}, dotenv_path=dotenv)
    assert (settings.feedback_secret, settings.port) == ("from-file", 5000)


def test_database_urls_get_an_async_driver() -> None:
    assert async_url("postgres://u:p@h/db").drivername == "postgresql+asyncpg"
    assert async_url("postgresql://u:p@h/db").drivername == "postgresql+asyncpg"
    assert async_url("sqlite:///x.db").drivername == "sqlite+aiosqlite"
    assert "p@" not in mask_password("postgresql://u:p@h/db")


async def test_healthz_and_metrics(settings: Settings) -> None:
    app = create_app(settings, run_scheduler=False)
    async with TestClient(TestServer(app)) as client:
        health = await client.get("/healthz")
        assert health.status == 200
        assert (await health.json())["status"] == "ok"
        metrics = await client.get("/metrics")
        body = await metrics.text()
        assert metrics.status == 200
        assert 'clueline_http_requests_total{route="/healthz",status="200"} 1.0' in body


def test_demo_stops_quietly_when_its_reader_goes_away(tmp_path: Path) -> None:
    demo = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "demo"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert demo.stdin is not None and demo.stdout is not None and demo.stderr is not None
    demo.stdout.readline()  # like `clueline demo | head -1`
    demo.stdout.close()
    demo.stdin.write(b"help\n")
    demo.stdin.close()
    assert demo.wait(timeout=120) == 0
    assert b"Traceback" not in demo.stderr.read()


def test_whole_platform_configurations_are_not_refused() -> None:
    from bot.settings import require_whole_platforms

    def settings(**env: str) -> Settings:
        return load_settings(env, dotenv_path=Path("/nonexistent"))

    for whole in (
        {},
        {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"},
        {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"},  # Socket Mode needs no signing secret
        {"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "c", "SLACK_SIGNING_SECRET": "s"},
        {"MICROSOFT_APP_ID": "a", "MICROSOFT_APP_PASSWORD": "p"},
        # A managed identity has no password.
        {"MICROSOFT_APP_ID": "a", "MICROSOFT_APP_TYPE": "UserAssignedMSI", "MICROSOFT_APP_TENANT_ID": "t"},
        {"CLUELINE_TEAMS_UNAUTHENTICATED": "1"},
    ):
        require_whole_platforms(settings(**whole))
    assert settings(CLUELINE_TEAMS_UNAUTHENTICATED="1").teams_enabled
    assert not settings().teams_enabled
    assert settings(SLACK_ALLOWED_TEAMS="T1, E2").slack_allowed_teams == {"T1", "E2"}
    assert settings().slack_allowed_teams is None


def test_bad_allow_list_and_flag_name_their_variable() -> None:
    for env, name in (
        ({"SLACK_ALLOWED_TEAMS": "T1,<script>"}, "SLACK_ALLOWED_TEAMS"),
        ({"CLUELINE_TEAMS_UNAUTHENTICATED": "maybe"}, "CLUELINE_TEAMS_UNAUTHENTICATED"),
    ):
        try:
            load_settings(env, dotenv_path=Path("/nonexistent"))
        except SettingError as exc:
            assert name in str(exc)
        else:
            raise AssertionError(f"{env} must be refused")
