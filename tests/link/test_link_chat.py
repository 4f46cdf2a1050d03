"""`link` in Slack and Teams through the fakes: a short table and the chart, hidden cells hidden, leads only."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from pathlib import Path

from tests.link.conftest import MONTHS, LinkWorld
from tests.slack import payloads as p
from tests.slack.conftest import running_serve
from tests.support.databases import TEST_SECRET_KEY
from tests.support.fake_slack import FakeSlack
from tests.support.fake_teams import ConnectorCall, FakeTeams
from tests.teams.conftest import eventually, start_server
from tests.teams.shapes import personal_message

LAST, BEFORE = MONTHS[11], MONTHS[10]


def assert_hidden_cells_stay_hidden(text: str) -> None:
    """Support's and Sales' latest month are hidden; Support's month before shows a number."""
    support = next(line for line in text.splitlines() if "Support" in line)
    sales = next(line for line in text.splitlines() if "Sales" in line)
    assert f"{LAST}: NPS" in support and support.rstrip("*_ ").endswith("eNPS hidden")
    assert f"{BEFORE}: NPS" in sales and "eNPS hidden" in sales.split(f"{BEFORE}:")[1].split("·")[0]
    assert "eNPS hidden" not in support.split(f"{BEFORE}:")[1].split("·")[0]


async def test_slack_link_posts_the_table_and_uploads_the_chart_for_a_comms_lead(
    year: LinkWorld, database_url: str
) -> None:
    async with (
        FakeSlack() as fake,
        running_serve(database_url, fake, extra_env={"CLUELINE_ADMINS": "slack:U0LEAD"}) as serve,
    ):
        await serve.post(p.slash_command("link", user="U0OTHER"), json_body=False)
        await serve.post(p.slash_command("link", user="U0LEAD"), json_body=False)
        await fake.wait_for("files.completeUploadExternal", 1, timeout=20)
        # The two commands are answered after their acks, in either order: the refusal may come second.
        deadline = time.monotonic() + 20
        while not any("Only comms leads can use" in json.dumps(c.body) for c in fake.calls):
            assert time.monotonic() < deadline, "the refusal never reached Slack"
            await asyncio.sleep(0.1)
        posted = [c for c in fake.calls if c.method in ("chat.postMessage", "chat.postEphemeral")]
    texts = [json.dumps(call.body) for call in posted]
    assert any("Only comms leads can use *link*" in text for text in texts)
    [report] = [call.body for call in posted if "customer NPS beside employee eNPS" in json.dumps(call.body)]
    section_texts = "\n".join(
        block["text"]["text"] for block in report["blocks"] if block.get("type") == "section"
    )
    assert_hidden_cells_stay_hidden(section_texts)
    assert fake.uploads and fake.uploads[-1].startswith(b"\x89PNG")


async def test_teams_link_sends_a_card_with_the_table_and_the_chart_image(
    year: LinkWorld, database_url: str, tmp_path: Path
) -> None:
    post = await asyncio.to_thread(_teams_link, tmp_path, database_url)
    card = post.body["attachments"][0]["content"]
    texts = "\n".join(element.get("text", "") for element in card["body"])
    assert_hidden_cells_stay_hidden(texts)
    [image] = [element for element in card["body"] if element["type"] == "Image"]
    assert image["url"].startswith("data:image/png;base64,")
    assert base64.b64decode(image["url"].split(",", 1)[1]).startswith(b"\x89PNG")


def _teams_link(tmp_path: Path, database_url: str) -> ConnectorCall:
    fake = FakeTeams().start()
    server = start_server(
        tmp_path,
        database_url,
        fake,
        tokens=True,
        env={"CLUELINE_ADMINS": "teams:aad-ada", "CLUELINE_SECRET_KEY": TEST_SECRET_KEY},
    )
    try:
        assert server.post(personal_message(fake.url, "link")).status_code in (200, 201, 202)
        return eventually(
            lambda: [c for c in fake.posts() if "customer NPS beside" in json.dumps(c.body)], "the report", 60
        )[0]
    finally:
        server.stop()
        fake.stop()
