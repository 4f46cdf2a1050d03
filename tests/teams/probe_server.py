"""`clueline serve` plus test-only registrations, for card and form round trips.

Usage: python -m tests.teams.probe_server (settings from the environment, like `clueline serve`; the
events the probe handlers saw go as JSON lines to the file named by CLUELINE_TEAMS_PROBE_LOG).

Registers: the command `probe` (answers with a card of buttons and a choice), the command `probeform`
(opens a form) and every action starting with `probe:` (logs it and replaces the card with a thank-you).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from aiohttp import web

from bot.app import create_app, prepare_database
from bot.core.turn import Turn
from bot.core.types import (
    ActionEvent,
    Button,
    Buttons,
    Choice,
    Fields,
    Form,
    Option,
    OutboundMessage,
    Text,
    TextInput,
)
from bot.runtime import build_runtime
from bot.settings import load_settings

THANKS = "Thanks, recorded"


def main() -> None:
    settings = load_settings()
    asyncio.run(prepare_database(settings))
    log_path = Path(settings.extra["CLUELINE_TEAMS_PROBE_LOG"])
    runtime = build_runtime(settings)
    app = create_app(settings, runtime=runtime, migrated=True)

    async def probe(turn: Turn) -> None:
        await turn.reply(
            OutboundMessage(
                text="A *probe* card",
                blocks=[
                    Text(text="A *probe* card", emphasis=True),
                    Fields(pairs=[("Score", "3")]),
                    Buttons(
                        buttons=[Button(label="Yes", action_id="probe:vote", value="yes", style="primary")]
                    ),
                    Choice(
                        action_id="probe:pick",
                        label="Pick one",
                        options=[Option(label="Red", value="r"), Option(label="Blue", value="b")],
                    ),
                ],
            )
        )

    async def probe_form(turn: Turn) -> None:
        await turn.open_form(
            Form(
                callback_id="probe:form",
                title="Tell us",
                blocks=[TextInput(action_id="why", label="Why?")],
                private_metadata="pulse-7",
            )
        )

    async def action(turn: Turn) -> None:
        event = turn.event
        assert isinstance(event, ActionEvent)
        with log_path.open("a") as log:
            log.write(json.dumps(event.model_dump(mode="json")) + "\n")
        await turn.update_source(THANKS)

    runtime.dispatcher.command("probe", probe, summary="test card")
    runtime.dispatcher.command("probeform", probe_form, summary="test form")
    runtime.dispatcher.action("probe:", action)
    web.run_app(app, host=settings.host, port=settings.port, print=lambda _msg: None)


if __name__ == "__main__":
    main()
