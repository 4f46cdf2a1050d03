"""The new-pulse form through `clueline serve` on Slack: a refused one opens again, filled in as it was."""

from __future__ import annotations

import asyncio
import json

from bot.features.pulse import render
from tests.slack import payloads as p
from tests.slack.conftest import running_serve
from tests.support.cli_in_process import clueline_here
from tests.support.fake_slack import FakeSlack
from tests.support.waiting import until


def _typed(**fields: str) -> dict[str, object]:
    values: dict[str, object] = {
        name: {name: {"type": "plain_text_input", "value": value}} for name, value in fields.items()
    }
    values["question"] = {"question": {"type": "static_select", "selected_option": {"value": "enps"}}}
    return values


def _refill_value(posted: dict[str, object]) -> str:
    """The value of the one button in a posted message that opens the new-pulse form."""
    blocks: list[dict[str, object]] = posted["blocks"]  # type: ignore[assignment]
    [value] = [
        str(element["value"])
        for block in blocks
        if block["type"] == "actions"
        for element in block["elements"]  # type: ignore[attr-defined]
        if element["action_id"] == render.REFILL_ACTION
    ]
    return value


async def test_a_refused_pulse_form_in_slack_opens_again_with_what_was_typed(
    database_url: str, fake_slack: FakeSlack
) -> None:
    async with running_serve(database_url, fake_slack, extra_env={"CLUELINE_ADMINS": "slack:U0001"}) as serve:
        status, _ = await serve.post(p.slash_command("pulse new", trigger_id="1.1.first"), json_body=False)
        assert status == 200
        [first] = await fake_slack.wait_for("views.open")
        view = first.body["view"]
        typed = _typed(audience="#general", closes_after="2d")
        submission = p.view_submission(view["callback_id"], typed, private_metadata=view["private_metadata"])
        status, _ = await serve.post(p.interactive(submission), json_body=False)
        assert status == 200
        [refusal] = await fake_slack.wait_for("chat.postEphemeral")
        assert "'#general' is not an audience" in refusal.body["text"]
        value = _refill_value(refusal.body)
        press = p.block_actions(p.button(render.REFILL_ACTION, value), trigger_id="2.2.again")
        status, _ = await serve.post(p.interactive(press), json_body=False)
        assert status == 200
        [_, again] = await fake_slack.wait_for("views.open", 2)
    assert again.body["trigger_id"] == "2.2.again"
    filled = {
        block["block_id"]: block["element"].get("initial_value")
        for block in again.body["view"]["blocks"]
        if block["type"] == "input"
    }
    assert filled["audience"] == "#general" and filled["closes_after"] == "2d" and filled["when"] is None


async def test_pulse_new_typed_in_the_dm_answers_with_a_button_that_opens_the_form(
    database_url: str, fake_slack: FakeSlack
) -> None:
    # A DM event carries no trigger id, so no form can open in answer to it; the button's click does.
    async with running_serve(database_url, fake_slack, extra_env={"CLUELINE_ADMINS": "slack:U0001"}) as serve:
        assert (await serve.post(p.event_body(p.direct_message("pulse new"), "Ev-pulse-new")))[0] == 200
        [offer] = await fake_slack.wait_for("chat.postMessage")
        value = _refill_value(offer.body)
        press = p.block_actions(p.button(render.REFILL_ACTION, value), channel="D0001", trigger_id="3.3.open")
        assert (await serve.post(p.interactive(press), json_body=False))[0] == 200
        [form] = await fake_slack.wait_for("views.open")
    assert form.body["trigger_id"] == "3.3.open" and form.body["view"]["type"] == "modal"


async def test_channels_and_people_picked_from_slacks_lists_are_the_pulse_audience_and_its_results_place(
    database_url: str, fake_slack: FakeSlack
) -> None:
    # Typing `#general` was refused (above): Slack's own pickers give the ids, the lead types none.
    for person in ("U0001", "U0002", "U0003", "U0004"):
        fake_slack.add_user(person)
    fake_slack.members["C0100"] = ["U0003", "U0004"]
    async with running_serve(database_url, fake_slack, extra_env={"CLUELINE_ADMINS": "slack:U0001"}) as serve:
        await serve.post(p.slash_command("pulse new", trigger_id="4.4.open"), json_body=False)
        [opened] = await fake_slack.wait_for("views.open")
        view = opened.body["view"]
        elements = {
            block["block_id"]: block["element"] for block in view["blocks"] if block["type"] == "input"
        }
        assert elements["audience.channels"]["type"] == "multi_conversations_select"
        assert elements["audience.people"]["type"] == "multi_users_select"
        assert elements["results.channel"]["type"] == "conversations_select"
        values = _typed()
        values["audience.channels"] = {
            "audience.channels": {"type": "multi_conversations_select", "selected_conversations": ["C0100"]}
        }
        values["audience.people"] = {
            "audience.people": {"type": "multi_users_select", "selected_users": ["U0002"]}
        }
        values["audience"] = {"audience": {"type": "plain_text_input", "value": None}}
        values["results.channel"] = {
            "results.channel": {"type": "conversations_select", "selected_conversation": "C0200"}
        }
        submission = p.view_submission(view["callback_id"], values, private_metadata=view["private_metadata"])
        assert (await serve.post(p.interactive(submission), json_body=False))[0] == 200
        [created] = await fake_slack.wait_for("chat.postEphemeral")
        assert "Pulse #1 created" in created.body["text"], created.body["text"]

        # Invited now: the channel's two people and the one picked by name, each in their DM.
        def invited() -> list[str]:
            posts = fake_slack.calls_to("chat.postMessage")
            return sorted(
                call.body["channel"] for call in posts if call.body["text"].startswith("Pulse question")
            )

        await until(lambda: len(invited()) >= 3, seconds=30)
    assert invited() == ["U0002", "U0003", "U0004"]
    listed = await asyncio.to_thread(clueline_here, {"DATABASE_URL": database_url}, "pulse", "list", "--json")
    [pulse] = json.loads(listed.stdout)
    assert pulse["audience"] == [f"slack:{p.TEAM}/C0100", f"slack:{p.TEAM}/U0002"]
    assert pulse["results_target"] == f"slack:{p.TEAM}/C0200"


async def test_a_refused_form_opens_again_with_its_picks_in_the_pickers(
    database_url: str, fake_slack: FakeSlack
) -> None:
    async with running_serve(database_url, fake_slack, extra_env={"CLUELINE_ADMINS": "slack:U0001"}) as serve:
        await serve.post(p.slash_command("pulse new", trigger_id="5.5.open"), json_body=False)
        [opened] = await fake_slack.wait_for("views.open")
        view = opened.body["view"]
        values = _typed(closes_after="soon", audience="teams:19:abc@thread.tacv2")
        values["audience.channels"] = {
            "audience.channels": {"type": "multi_conversations_select", "selected_conversations": ["C0100"]}
        }
        values["audience.people"] = {"audience.people": {"type": "multi_users_select", "selected_users": []}}
        submission = p.view_submission(view["callback_id"], values, private_metadata=view["private_metadata"])
        await serve.post(p.interactive(submission), json_body=False)
        [refusal] = await fake_slack.wait_for("chat.postEphemeral")
        press = p.block_actions(
            p.button(render.REFILL_ACTION, _refill_value(refusal.body)), trigger_id="6.6.again"
        )
        await serve.post(p.interactive(press), json_body=False)
        [_, again] = await fake_slack.wait_for("views.open", 2)
    elements = {b["block_id"]: b["element"] for b in again.body["view"]["blocks"] if b["type"] == "input"}
    assert elements["audience.channels"]["initial_conversations"] == ["C0100"]
    assert "initial_users" not in elements["audience.people"]
    # What no picker holds stays typed.
    assert elements["audience"]["initial_value"] == "teams:19:abc@thread.tacv2"
