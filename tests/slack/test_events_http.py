"""Signed Slack payloads posted to a running `clueline serve`; the answers observed as Web API calls on a fake."""

from __future__ import annotations

import json
import time

from tests.slack import payloads as p
from tests.slack.conftest import Serve, running_serve
from tests.support.fake_slack import FakeSlack


async def test_url_verification_echoes_the_challenge(serve: Serve) -> None:
    status, text = await serve.post(
        p.url_verification("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P")
    )
    assert status == 200
    assert "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in text


async def test_start_learns_the_bot_with_one_auth_test_per_process(
    serve: Serve, fake_slack: FakeSlack
) -> None:
    await serve.post(p.event_body(p.direct_message("help"), "Ev-auth-1"))
    await serve.post(p.event_body(p.direct_message("help", ts="1700000009.000100"), "Ev-auth-2"))
    await fake_slack.wait_for("chat.postMessage", 2)
    # serve, and the event process that answers what serve stores: each asks once, not once per event.
    assert len(fake_slack.calls_to("auth.test")) == 2


async def test_app_mention_is_answered_in_its_thread_without_the_mention(
    serve: Serve, fake_slack: FakeSlack
) -> None:
    event = p.app_mention("<@UBOT> help", ts="1700000010.000100")
    status, _ = await serve.post(p.event_body(event, "Ev-mention"))
    assert status == 200
    [reply] = await fake_slack.wait_for("chat.postMessage")
    assert reply.body["channel"] == "C0001"
    assert reply.body["thread_ts"] == "1700000010.000100"
    assert "I bring the customer's voice" in reply.body["text"]
    assert reply.headers["Authorization"] == "Bearer xoxb-test"


async def test_a_press_that_names_no_conversation_is_answered_in_the_dm(
    serve: Serve, fake_slack: FakeSlack
) -> None:
    # As from the home tab: the container is the view, and there is no channel or message.
    press = p.block_actions(p.button("pulse.demo_results", "1"))
    press.update(container={"type": "view", "view_id": "V0001"}, channel=None, message=None)
    status, _ = await serve.post(p.interactive(press), json_body=False)
    assert status == 200
    [reply] = await fake_slack.wait_for("chat.postMessage")
    # To the person (Slack opens the DM for a message to their user id).
    assert reply.body["channel"] in ("U0001", "D0001") and "comms lead" in reply.body["text"]


async def test_direct_message_help_is_answered_in_the_dm(serve: Serve, fake_slack: FakeSlack) -> None:
    status, _ = await serve.post(p.event_body(p.direct_message("help"), "Ev-dm"))
    assert status == 200
    [reply] = await fake_slack.wait_for("chat.postMessage")
    assert reply.body["channel"] == "D0001"
    assert "thread_ts" not in reply.body
    assert any(block["type"] == "section" for block in reply.body["blocks"])


async def test_message_and_app_mention_of_one_message_get_one_reply(
    serve: Serve, fake_slack: FakeSlack
) -> None:
    ts = "1700000011.000100"
    await serve.post(p.event_body(p.channel_message("<@UBOT> help", ts=ts), "Ev-msg-copy"))
    await serve.post(p.event_body(p.app_mention("<@UBOT> help", ts=ts), "Ev-mention-copy"))
    # A later, different message is the barrier: once it is answered, the copies had their chance.
    await serve.post(p.event_body(p.direct_message("help"), "Ev-barrier"))
    replies = await fake_slack.wait_for("chat.postMessage", 2)
    assert sorted(r.body["channel"] for r in replies) == ["C0001", "D0001"]
    assert len(fake_slack.calls_to("chat.postMessage")) == 2


async def test_reply_in_the_bots_thread_needs_no_mention(serve: Serve, fake_slack: FakeSlack) -> None:
    event = p.channel_message(
        "help", ts="1700000012.000200", thread_ts="1700000012.000100", parent_user_id="UBOT"
    )
    await serve.post(p.event_body(event, "Ev-thread"))
    [reply] = await fake_slack.wait_for("chat.postMessage")
    assert reply.body["thread_ts"] == "1700000012.000100"


async def test_bot_messages_and_edits_are_ignored_with_200(serve: Serve, fake_slack: FakeSlack) -> None:
    ignored = [
        p.direct_message("help", bot_id="B999", ts="1700000013.000100"),
        p.direct_message("help", user="UBOT", ts="1700000013.000200"),
        p.direct_message("help", subtype="message_changed", ts="1700000013.000300"),
        {"type": "reaction_added", "user": "U0001", "reaction": "thumbsup", "event_ts": "1700000013.000400"},
        p.channel_message("just chatting", ts="1700000013.000500"),
    ]
    for n, event in enumerate(ignored):
        status, _ = await serve.post(p.event_body(event, f"Ev-ignored-{n}"))
        assert status == 200
    await serve.post(p.event_body(p.direct_message("help", ts="1700000013.000900"), "Ev-after"))
    await fake_slack.wait_for("chat.postMessage")
    assert len(fake_slack.calls_to("chat.postMessage")) == 1


async def test_slash_command_with_no_text_shows_help_in_the_dm(serve: Serve, fake_slack: FakeSlack) -> None:
    status, _ = await serve.post(p.slash_command(""), json_body=False)
    assert status == 200
    [reply] = await fake_slack.wait_for("chat.postMessage")
    assert reply.body["channel"] == "U0001"
    assert "I bring the customer's voice" in reply.body["text"]


async def test_app_home_opened_publishes_the_home_tab(serve: Serve, fake_slack: FakeSlack) -> None:
    status, _ = await serve.post(p.event_body(p.home_opened("U0042"), "Ev-home"))
    assert status == 200
    [published] = await fake_slack.wait_for("views.publish")
    assert published.body["user_id"] == "U0042"
    assert published.body["view"]["type"] == "home"
    assert published.body["view"]["blocks"]


async def test_button_press_updates_the_clicked_message(probe_serve: Serve, fake_slack: FakeSlack) -> None:
    await probe_serve.post(p.event_body(p.direct_message("probe"), "Ev-probe"))
    [posted] = await fake_slack.wait_for("chat.postMessage")
    [actions] = [b for b in posted.body["blocks"] if b["type"] == "actions"]
    assert actions["elements"][0]["action_id"] == "probe_press"
    payload = p.block_actions(p.button("probe_press", "v1"), channel="D0001", message_ts="1700000000.000001")
    status, _ = await probe_serve.post(p.interactive(payload), json_body=False)
    assert status == 200
    [update] = await fake_slack.wait_for("chat.update")
    assert update.body["channel"] == "D0001"
    assert update.body["ts"] == "1700000000.000001"
    assert update.body["text"] == "pressed probe_press=v1"


async def test_static_select_passes_the_chosen_value(probe_serve: Serve, fake_slack: FakeSlack) -> None:
    payload = p.block_actions(p.static_select("probe_pick", "blue"))
    status, _ = await probe_serve.post(p.interactive(payload), json_body=False)
    assert status == 200
    [update] = await fake_slack.wait_for("chat.update")
    assert update.body["text"] == "pressed probe_pick=blue"


async def test_slash_command_opens_a_modal_and_its_submission_is_handled(
    probe_serve: Serve, fake_slack: FakeSlack
) -> None:
    status, _ = await probe_serve.post(p.slash_command("form", trigger_id="42.42.trig"), json_body=False)
    assert status == 200
    [opened] = await fake_slack.wait_for("views.open")
    assert opened.body["trigger_id"] == "42.42.trig"
    view = opened.body["view"]
    assert (view["type"], view["callback_id"], view["private_metadata"]) == ("modal", "probe_form", "meta-1")
    assert view["blocks"][0]["type"] == "input"
    values = {"comment": {"comment": {"type": "plain_text_input", "value": "all good"}}}
    submission = p.view_submission("probe_form", values, private_metadata="meta-1")
    status, text = await probe_serve.post(p.interactive(submission), json_body=False)
    assert status == 200 and text == ""  # an empty ack closes the modal
    [reply] = await fake_slack.wait_for("chat.postMessage")
    assert reply.body["text"] == "got all good with meta-1"
    assert reply.body["channel"] == "U0001"


async def test_unhandled_interactions_get_200(serve: Serve) -> None:
    shortcut = {
        "type": "shortcut",
        "callback_id": "nope",
        "trigger_id": "1.2.3",
        "team": {"id": p.TEAM},
        "user": {"id": "U0001", "team_id": p.TEAM},
    }
    status, _ = await serve.post(p.interactive(shortcut), json_body=False)
    assert status == 200
    status, _ = await serve.post(
        p.interactive({"type": "something_new", "team": {"id": p.TEAM}}), json_body=False
    )
    assert status == 200


async def test_bad_signature_stale_timestamp_and_missing_headers_get_401_and_nothing_is_handled(
    serve: Serve, fake_slack: FakeSlack
) -> None:
    body = p.event_body(p.direct_message("help", ts="1700000020.000100"), "Ev-forged")
    forged = p.signed_headers(body, secret="not-the-secret", content_type="application/json")
    assert (await serve.post(body, signed=False, headers=forged))[0] == 401
    stale = p.signed_headers(body, timestamp=int(time.time()) - 6 * 60, content_type="application/json")
    assert (await serve.post(body, signed=False, headers=stale))[0] == 401
    assert (await serve.post(body, signed=False))[0] == 401
    tampered = p.signed_headers(body, content_type="application/json")
    assert (await serve.post(body.replace("help", "pulse"), signed=False, headers=tampered))[0] == 401
    await serve.post(p.event_body(p.direct_message("help", ts="1700000021.000100"), "Ev-genuine"))
    await fake_slack.wait_for("chat.postMessage")
    assert len(fake_slack.calls_to("chat.postMessage")) == 1


async def test_malformed_but_signed_body_is_refused_cleanly(serve: Serve) -> None:
    status, text = await serve.post("payload=%7Bnot json", json_body=False)
    assert status in (400, 200)
    assert "Traceback" not in text
    status, _ = await serve.post(p.event_body(p.direct_message("help"), "Ev-still-alive"))
    assert status == 200


async def test_outbox_message_with_a_chart_uploads_it_beside_the_message(
    serve: Serve, fake_slack: FakeSlack, database_url: str
) -> None:
    from tests.slack.outbox_rows import queue

    await queue(database_url, [("C0100", "chart", True)])
    [posted] = await fake_slack.wait_for("chat.postMessage")
    assert posted.body["channel"] == "C0100"
    await fake_slack.wait_for("files.completeUploadExternal")
    [asked] = fake_slack.calls_to("files.getUploadURLExternal")
    assert asked.body["filename"] == "chart.png"
    complete = fake_slack.calls_to("files.completeUploadExternal")[0]
    assert complete.body.get("channel_id") == "C0100"
    assert json.loads(complete.body["files"])[0]["id"] == "F0001"


async def test_pulse_new_opens_a_form_that_names_this_chat_as_an_audience_written_for_slack(
    database_url: str, fake_slack: FakeSlack
) -> None:
    async with running_serve(
        database_url, fake_slack, extra_env={"CLUELINE_ADMINS": "slack:U0001"}
    ) as lead_serve:
        command = p.slash_command("pulse new", user="U0001", trigger_id="7.7.trig")
        status, _ = await lead_serve.post(command, json_body=False)
        assert status == 200
        [opened] = await fake_slack.wait_for("views.open")
    labels = [block["label"]["text"] for block in opened.body["view"]["blocks"] if block["type"] == "input"]
    [audience] = [label for label in labels if label.startswith("Audience")]
    # A slash command's replies go to the person who typed it: this chat is theirs, an audience of one.
    assert f"this chat is slack:{p.TEAM}/U0001" in audience, audience
