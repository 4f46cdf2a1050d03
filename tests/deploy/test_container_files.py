"""The Dockerfile, compose.yaml, Procfile and .env.example, checked without a Docker daemon: their structure
parsed, and every command in them run as a plain command against SQLite."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.settings import load_settings
from tests.deploy.processes import ROOT, plain_env, run, running
from tests.support.processes import free_port


def dockerfile() -> list[tuple[str, str]]:
    """The Dockerfile's instructions as (INSTRUCTION, arguments), continuation lines joined."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def exec_form(arguments: str) -> list[str]:
    """A JSON-array command (exec form), the only form allowed here: no shell in between to eat signals."""
    command = json.loads(arguments)
    assert isinstance(command, list) and all(isinstance(part, str) for part in command), arguments
    return command


def healthcheck_command() -> list[str]:
    arguments = dict(dockerfile())["HEALTHCHECK"]
    return exec_form(arguments[arguments.index("CMD ") + 4 :])


def compose() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "compose.yaml").read_text())
    assert isinstance(data, dict)
    return data


def test_the_image_is_slim_runs_as_a_user_from_the_lock_file_and_serves_by_default() -> None:
    instructions = dockerfile()
    assert instructions[0][0] == "FROM" and instructions[0][1].startswith("python:3.11-slim")
    runs = " ".join(args for name, args in instructions if name == "RUN")
    assert "pip install -r requirements.lock" in runs and "pip install --no-deps ." in runs
    users = [args for name, args in instructions if name == "USER"]
    assert users and users[-1] not in ("root", "0")
    assert exec_form(dict(instructions)["CMD"]) == ["clueline", "serve"]
    assert "/livez" in " ".join(healthcheck_command())
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    assert {".git", ".env", "*.db", "tests"} <= set(ignored)


@pytest.mark.parametrize(
    ("backend", "locks"),
    [("botbuilder", ["requirements.lock"]), ("agents", ["requirements.lock", "requirements-agents.lock"])],
)
def test_the_agents_sdk_is_in_the_image_only_when_built_for_it(backend: str, locks: list[str]) -> None:
    instructions = dockerfile()
    assert ("ARG", "TEAMS_BACKEND=botbuilder") in instructions
    [install] = [args for name, args in instructions if name == "RUN" and "requirements.lock" in args]
    # The RUN line as the image's shell runs it, with pip only saying what it would install.
    said = subprocess.run(
        ["sh", "-c", install.replace("pip install -r", "echo")],
        env={"PATH": os.environ["PATH"], "TEAMS_BACKEND": backend},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert said == locks
    for lock in locks:
        assert (ROOT / lock).is_file() and lock not in (ROOT / ".dockerignore").read_text()


def test_compose_defines_a_whole_deployment_with_a_migration_first() -> None:
    services = compose()["services"]
    assert set(services) == {"postgres", "migrate", "web", "worker"}
    postgres = services["postgres"]
    assert any(volume.endswith(":/var/lib/postgresql/data") for volume in postgres["volumes"])
    assert "pg_isready" in postgres["healthcheck"]["test"]
    assert services["migrate"]["command"] == ["clueline", "db", "upgrade"]
    assert services["migrate"]["restart"] == "no"
    assert services["migrate"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert services["web"]["command"] == ["clueline", "serve", "--no-scheduler"]
    assert services["worker"]["command"] == ["clueline", "worker"]
    for name in ("web", "worker"):
        service = services[name]
        assert service["depends_on"] == {"migrate": {"condition": "service_completed_successfully"}}
        assert "/readyz" in " ".join(service["healthcheck"]["test"])
        assert service["environment"]["DATABASE_URL"].startswith("postgresql://")
        assert service["environment"]["CLUELINE_SECRET_KEY"].startswith("${CLUELINE_SECRET_KEY:?")
    assert services["worker"]["environment"]["CLUELINE_WORKER_PORT"] == "9100"
    assert "pgdata" in compose()["volumes"]


def test_procfile_migrates_on_release_and_runs_web_and_worker() -> None:
    lines = dict(line.split(": ", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line)
    assert lines == {
        "release": "clueline db upgrade",
        "web": "clueline serve --no-scheduler",
        "worker": "clueline worker",
    }


def test_env_example_lists_every_setting_and_loads_as_the_defaults() -> None:
    example = ROOT / ".env.example"
    names = {
        line.split("=", 1)[0] for line in example.read_text().splitlines() if "=" in line and line[0] != "#"
    }
    readme = (ROOT / "README.md").read_text()
    settings_table = readme[readme.index("### Settings\n") :].split("\n## ", 1)[0]
    documented = {
        part.strip("` ")
        for row in settings_table.splitlines()
        if row.startswith("| `")
        for part in row.split("|")[1].split(",")
    }
    assert names == documented
    assert load_settings({}, dotenv_path=example) == load_settings({}, dotenv_path=Path("/nonexistent"))


def test_release_and_migrate_commands_run_as_plain_commands(tmp_path: Path) -> None:
    procfile = dict(line.split(": ", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line)
    for command in (shlex.split(procfile["release"]), compose()["services"]["migrate"]["command"]):
        result = run(command, plain_env(tmp_path), tmp_path)
        assert result.returncode == 0, result.stderr
        assert "database is up to date" in result.stdout


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(lambda: exec_form(dict(dockerfile())["CMD"]), id="dockerfile-cmd"),
        pytest.param(lambda: compose()["services"]["web"]["command"], id="compose-web"),
    ],
)
def test_web_commands_serve_and_the_healthchecks_pass(command: Any, tmp_path: Path) -> None:
    port = free_port()
    env = plain_env(tmp_path, PORT=str(port))
    with running(command(), env, tmp_path, f"http://127.0.0.1:{port}/livez"):
        check = run(healthcheck_command(), env, tmp_path, timeout=30)
        assert check.returncode == 0, check.stderr
        compose_check = [
            part.replace(":3978/", f":{port}/")
            for part in compose()["services"]["web"]["healthcheck"]["test"][1:]
        ]
        assert run(compose_check, env, tmp_path, timeout=30).returncode == 0


def test_worker_command_serves_its_probes_and_its_healthcheck_passes(tmp_path: Path) -> None:
    worker = compose()["services"]["worker"]
    port = free_port()
    env = plain_env(tmp_path, CLUELINE_WORKER_PORT=str(port))
    with running(worker["command"], env, tmp_path, f"http://127.0.0.1:{port}/readyz") as process:
        check = [part.replace(":9100/", f":{port}/") for part in worker["healthcheck"]["test"][1:]]
        assert run(check, env, tmp_path, timeout=30).returncode == 0
        process.terminate()
        assert process.wait(timeout=15) == 0


def test_the_healthcheck_fails_when_nothing_answers(tmp_path: Path) -> None:
    # The check itself must be able to fail: nothing listens on this port.
    env = plain_env(tmp_path, PORT=str(free_port()))
    assert run(healthcheck_command(), env, tmp_path, timeout=30).returncode != 0
