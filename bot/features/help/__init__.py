"""The `help` command: what Clueline can do, from the commands the features registered."""

from __future__ import annotations

import argparse

from bot.core.dispatcher import Dispatcher
from bot.core.targets import target_of
from bot.core.turn import Turn
from bot.core.types import Block, ContextLine, OutboundMessage, Text
from bot.runtime import Runtime

INTRO = "Hi, I'm Clueline. I bring the customer's voice to your team and answer product questions."


class HelpFeature:
    """Registers `help`, which lists every command of every feature."""

    name = "help"

    def __init__(self) -> None:
        self._dispatcher: Dispatcher | None = None

    def setup(self, runtime: Runtime) -> None:
        """Register the help command."""
        self._dispatcher = runtime.dispatcher
        runtime.dispatcher.command("help", self._help, usage="help", summary="what I can do")
        runtime.dispatcher.command(
            "whoami", self._whoami, usage="whoami", summary="your id, as CLUELINE_ADMINS names comms leads"
        )

    def add_commands(self, commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
        """Help has no command-line command of its own (`clueline --help` is argparse's)."""

    async def load_demo(self, runtime: Runtime) -> None:
        """Help needs no sample data."""

    async def _whoami(self, turn: Turn) -> None:
        role = "a comms lead" if await turn.is_comms_lead() else "not a comms lead"
        said = (
            f"You are `{turn.person}` ({role}). That is how `CLUELINE_ADMINS` names you, comma separated beside "
            "the others, and what `pulse grant` grants."
        )
        conversation = turn.conversation
        if conversation is not None and not conversation.is_direct:
            # A channel's TARGET is what routes, teams and digests name; Teams shows it nowhere else plainly.
            said += f" This channel is `{target_of(conversation.model_copy(update={'thread': None}))}`."
        await turn.reply(said)

    async def _help(self, turn: Turn) -> None:
        assert self._dispatcher is not None, "help runs only once set up"
        lead = await turn.is_comms_lead()
        lines = [
            f"- **{command.usage}**: {command.summary}"
            for command in self._dispatcher.commands
            if lead or not command.comms_leads_only
        ]
        blocks: list[Block] = [Text(text=INTRO), Text(text="\n".join(lines))]
        blocks.append(ContextLine(text="Or just ask me a question in a DM, or @mention me in a channel."))
        await turn.reply(OutboundMessage(text=INTRO + "\n" + "\n".join(lines), blocks=blocks))
