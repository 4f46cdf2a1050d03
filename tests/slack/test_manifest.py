"""`clueline manifest slack`: a manifest that creates the app in one paste."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from tests.support.cli_exit import clueline

ROOT = Path(__file__).resolve().parents[2]


def clueline_manifest(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("SLACK_APP_TOKEN", None)
    return clueline(env, *args)


def test_manifest_names_every_scope_event_and_url() -> None:
    result = clueline_manifest("manifest", "slack", "--url", "https://bot.example.com/")
    assert result.returncode == 0, result.stderr
    manifest = json.loads(result.stdout)
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {
        "app_mentions:read",
        "chat:write",
        "im:history",
        "im:read",
        "im:write",
        "channels:history",
        "groups:history",
        "commands",
        "users:read",
        "usergroups:read",
        "channels:read",
        "groups:read",
        "files:write",
    } <= scopes
    events = manifest["settings"]["event_subscriptions"]
    assert events["request_url"] == "https://bot.example.com/slack/events"
    assert {"app_mention", "message.im", "app_home_opened", "app_uninstalled", "tokens_revoked"} <= set(
        events["bot_events"]
    )
    [command] = manifest["features"]["slash_commands"]
    assert (command["command"], command["url"]) == ("/clueline", "https://bot.example.com/slack/events")
    assert manifest["settings"]["interactivity"] == {
        "is_enabled": True,
        "request_url": "https://bot.example.com/slack/events",
    }
    assert manifest["oauth_config"]["redirect_urls"] == ["https://bot.example.com/slack/oauth_redirect"]
    home = manifest["features"]["app_home"]
    assert (
        home["home_tab_enabled"]
        and home["messages_tab_enabled"]
        and not home["messages_tab_read_only_enabled"]
    )


def test_manifest_refuses_a_url_that_is_not_http() -> None:
    result = clueline_manifest("manifest", "slack", "--url", "bot.example.com")
    assert result.returncode == 1
    assert result.stderr.startswith("clueline: --url must start with https://")


def test_manifest_refuses_plain_http_since_slack_calls_only_https() -> None:
    result = clueline_manifest("manifest", "slack", "--url", "http://bot.example.com")
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith("clueline: --url must start with https://")
    assert len(result.stderr.strip().splitlines()) == 1


def test_manifest_needs_a_platform() -> None:
    assert clueline_manifest("manifest").returncode == 2


def test_a_manifest_without_url_says_its_urls_are_placeholders() -> None:
    placeholder = clueline_manifest("manifest", "slack")
    assert placeholder.returncode == 0 and json.loads(placeholder.stdout)
    assert "placeholder" not in placeholder.stdout
    assert "clueline.example.com" in placeholder.stderr and "--url" in placeholder.stderr
    assert clueline_manifest("manifest", "slack", "--url", "https://bot.example.com").stderr == ""
