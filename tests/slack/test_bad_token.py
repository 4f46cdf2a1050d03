"""A bot token Slack refuses stops `clueline serve` at start, naming the setting, rather than serving deaf."""

from __future__ import annotations

import asyncio
import sys

from tests.slack.conftest import ROOT, process_env
from tests.support.fake_slack import FakeSlack
from tests.support.processes import free_port

REFUSED = "xoxb-refused-token-1234"


async def test_serve_with_a_token_slack_refuses_stops_with_one_line_naming_it(
    database_url: str, fake_slack: FakeSlack
) -> None:
    fake_slack.revoked_tokens.add(REFUSED)
    env = process_env(
        database_url, fake_slack, SLACK_BOT_TOKEN=REFUSED, PORT=str(free_port()), HOST="127.0.0.1"
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "serve", cwd=ROOT, env=env, stderr=asyncio.subprocess.PIPE
    )
    try:
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    finally:
        if process.returncode is None:
            process.kill()
    assert process.returncode == 1
    said = stderr.decode()
    [reason] = [line for line in said.splitlines() if line.startswith("clueline: ")]
    assert reason.startswith("clueline: SLACK_BOT_TOKEN was refused by Slack (invalid_auth)")
    assert "Traceback" not in said and "Unclosed" not in said
    assert REFUSED not in said
