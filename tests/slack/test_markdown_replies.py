"""A feature's Markdown reply reaches Slack as mrkdwn through the real door, what the person typed kept inert."""

from __future__ import annotations

from adapters.markdown_render import ZERO_WIDTH_SPACE
from tests.slack import payloads as p
from tests.slack.conftest import Serve
from tests.support.fake_slack import FakeSlack


async def test_a_reply_is_mrkdwn_and_the_account_typed_cannot_format_or_mention(
    serve: Serve, fake_slack: FakeSlack
) -> None:
    # Slack sends what the person typed with & < > as entities.
    await serve.post(p.event_body(p.direct_message("adopt *Acme* &lt;!here&gt; &amp; co"), "Ev-md-adopt"))
    [reply] = await fake_slack.wait_for("chat.postMessage")
    [section] = [block for block in reply.body["blocks"] if block["type"] == "section"]
    z = ZERO_WIDTH_SPACE
    assert section["text"]["type"] == "mrkdwn"
    assert section["text"]["text"] == (
        f"You adopted *{z}*{z}Acme{z}*{z} &lt;!here&gt; &amp; co*: "
        "I'll DM you each new piece of feedback from it. No feedback from it yet."
    )
    assert "**" not in reply.body["text"] and "<!here>" not in reply.body["text"]
