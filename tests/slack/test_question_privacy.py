"""A question carrying a customer's contact or card details, through `clueline serve` on Slack: the experts and
the knowledge gaps never see them; the experts see who asked, as a mention."""

from __future__ import annotations

import subprocess
import sys

from tests.slack import payloads as p
from tests.slack.conftest import ROOT, process_env, running_serve
from tests.support.fake_slack import FakeSlack

CARD = "4111 1111 1111 1111"
EMAIL = "jane.doe@acme.example"
QUESTION = f"Jane ({EMAIL}, card {CARD}, +44 20 7946 0958) asks if we integrate with Salesforce"


async def test_a_declined_question_reaches_the_experts_without_the_customers_email_phone_or_card(
    database_url: str, fake_slack: FakeSlack
) -> None:
    async with running_serve(database_url, fake_slack, extra_env={"CLUELINE_ADMINS": "slack:U0001"}) as serve:
        status, _ = await serve.post(
            p.event_body(p.app_mention("<@UBOT> experts here", channel="C0EXP"), "Ev-1")
        )
        assert status == 200
        await fake_slack.wait_for("chat.postMessage")
        status, _ = await serve.post(p.event_body(p.direct_message(QUESTION, user="U0002"), "Ev-2"))
        assert status == 200
        posts = await fake_slack.wait_for("chat.postMessage", 3)
    [experts_post] = [
        call for call in posts if call.body.get("channel") == "C0EXP" and "Salesforce" in str(call.body)
    ]
    shown = str(experts_post.body)
    assert "[email]" in shown and "[card]" in shown and "[phone]" in shown
    assert EMAIL not in shown and CARD not in shown and "7946" not in shown
    # The experts see who asked as a Slack mention, which Slack shows as the person's name.
    assert "<@U0002> asked" in shown and "slack:U0002" not in shown
    gaps = subprocess.run(
        [sys.executable, "-m", "bot.cli", "knowledge", "gaps"],
        env=process_env(database_url, fake_slack),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert "Salesforce" in gaps
    assert EMAIL not in gaps and CARD not in gaps and "7946" not in gaps
