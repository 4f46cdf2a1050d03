"""The link: what customers say beside what employees say, per team of the company and month."""

from __future__ import annotations

import argparse
from functools import partial

from bot.features.link import chat, cli, jobs
from bot.features.link.demo import Intake, load_sample_history
from bot.runtime import Runtime


class LinkFeature:
    """Registers `team` and `link` (comms leads), the monthly post, and the CLI."""

    name = "link"

    def __init__(self) -> None:
        self._intake: Intake | None = None

    def setup(self, runtime: Runtime, feedback: Intake) -> None:
        """Register the chat commands and the monthly job; the sample history goes in through `feedback`."""
        self._intake = feedback
        dispatcher = runtime.dispatcher
        dispatcher.command(
            "team",
            chat.team_command,
            usage=chat.TEAM_USAGE,
            summary="teams of the company",
            comms_leads_only=True,
        )
        dispatcher.command(
            "link",
            chat.link_command,
            usage=chat.LINK_USAGE,
            summary="customer NPS beside employee eNPS, per team and month",
            comms_leads_only=True,
        )
        runtime.scheduler.handle(jobs.MONTHLY_JOB, partial(jobs.monthly_job, runtime))

    def add_commands(self, commands_: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
        """`clueline team add|list|remove`, `clueline link report|channel`."""
        cli.add_commands(commands_)

    async def load_demo(self, runtime: Runtime) -> None:
        """Three sample teams with a year of customer feedback and pulses."""
        assert self._intake is not None, "the link loads its sample only once set up"
        await load_sample_history(runtime, self._intake)
