"""`clueline serve` with one extra, test-only feature, so button, select and form flows can be exercised.

Usage: python -m tests.slack.probe serve
"""

from __future__ import annotations

import argparse
import sys

from bot import app, cli
from bot.core.turn import Turn
from bot.core.types import Button, Buttons, Form, OutboundMessage, Text, TextInput
from bot.features.catalog import Features
from bot.runtime import Runtime


class ProbeFeature:
    """`probe` posts a button; pressing it replaces the message; `form` opens a modal; its submit DMs back."""

    name = "probe"

    def setup(self, runtime: Runtime) -> None:
        runtime.dispatcher.command("probe", self._probe, usage="probe", summary="a test button")
        runtime.dispatcher.command("form", self._form, usage="form", summary="a test form")
        runtime.dispatcher.action("probe_press", self._pressed)
        runtime.dispatcher.action("probe_pick", self._pressed)
        runtime.dispatcher.action("probe_form", self._submitted)

    def add_commands(self, commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
        return None

    async def load_demo(self, runtime: Runtime) -> None:
        return None

    async def _probe(self, turn: Turn) -> None:
        await turn.reply(
            OutboundMessage(
                text="press it",
                blocks=[
                    Text(text="press it"),
                    Buttons(buttons=[Button(label="Press", action_id="probe_press", value="v1")]),
                ],
            )
        )

    async def _pressed(self, turn: Turn) -> None:
        event = turn.event
        await turn.update_source(f"pressed {getattr(event, 'action_id', '')}={getattr(event, 'value', '')}")

    async def _form(self, turn: Turn) -> None:
        await turn.open_form(
            Form(
                callback_id="probe_form",
                title="Probe",
                blocks=[TextInput(action_id="comment", label="Comment")],
                private_metadata="meta-1",
            )
        )

    async def _submitted(self, turn: Turn) -> None:
        event = turn.event
        values = getattr(event, "form_values", {})
        await turn.reply(f"got {values.get('comment', '')} with {getattr(event, 'value', '')}")


def features() -> Features:
    return Features(extra=(ProbeFeature(),))


if __name__ == "__main__":
    app.all_features = features  # type: ignore[attr-defined]
    cli.all_features = features  # type: ignore[attr-defined]
    sys.exit(cli.main(sys.argv[1:]))
