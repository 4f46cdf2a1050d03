"""The new-pulse form through `clueline serve` on Slack: a refused one opens again, filled in as it was."""

from __future__ import annotations

from bot.features.pulse import render
from tests.slack import payloads as p
from tests.slack.conftest import running_serve
from tests.support.fake_slack import FakeSlack


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
