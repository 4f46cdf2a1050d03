"""CLUELINE_TEAMS_BACKEND: the server runs Teams on the backend it names, and refuses one it cannot run."""

from __future__ import annotations

from pathlib import Path

from tests.support import databases
from tests.support.cli_exit import ROOT, clueline_exit, refusal_line
from tests.support.fake_teams import APP_ID, APP_PASSWORD, FakeTeams
from tests.teams.conftest import start_server

TEAMS = {"MICROSOFT_APP_ID": APP_ID, "MICROSOFT_APP_PASSWORD": APP_PASSWORD}
WITHOUT_AGENTS_SDK = ROOT / "tests" / "support" / "without_agents"


def test_serve_runs_teams_on_the_chosen_backend(
    tmp_path: Path, sqlite_template: Path, fake: FakeTeams, teams_backend: str
) -> None:
    server = start_server(tmp_path, databases.copy_sqlite(sqlite_template, tmp_path), fake, with_app_id=True)
    server.stop()
    assert f"Teams on the {teams_backend} backend" in server.output()


def test_an_unknown_backend_stops_serve_naming_the_two(tmp_path: Path) -> None:
    line = refusal_line(
        clueline_exit("serve", {**TEAMS, "CLUELINE_TEAMS_BACKEND": "bot-framework"}, tmp_path)
    )
    assert line == "clueline: CLUELINE_TEAMS_BACKEND must be botbuilder or agents, got 'bot-framework'"
    assert not (tmp_path / "half.db").exists()


def test_the_agents_backend_without_its_sdk_names_the_extra_to_install(tmp_path: Path) -> None:
    env = {**TEAMS, "CLUELINE_TEAMS_BACKEND": "agents", "PYTHONPATH": f"{WITHOUT_AGENTS_SDK}:{ROOT}"}
    line = refusal_line(clueline_exit("serve", env, tmp_path))
    assert "pip install 'clueline[agents]'" in line
    assert not (tmp_path / "half.db").exists()  # refused before the database was touched


def test_the_default_backend_needs_no_agents_sdk(
    tmp_path: Path, sqlite_template: Path, fake: FakeTeams
) -> None:
    env = {"CLUELINE_TEAMS_BACKEND": "botbuilder", "PYTHONPATH": f"{WITHOUT_AGENTS_SDK}:{ROOT}"}
    server = start_server(
        tmp_path, databases.copy_sqlite(sqlite_template, tmp_path), fake, with_app_id=True, env=env
    )
    server.stop()
    assert "Teams on the botbuilder backend" in server.output()
