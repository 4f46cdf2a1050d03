"""The link: what customers say beside what employees say, per team of the company and month."""

from __future__ import annotations

import argparse
from functools import partial

from bot.features.link import chat, cli, jobs, texts
from bot.features.link.demo import load_sample_history
from bot.features.link.sources import CustomerVoice, EmployeeVoice, LinkSources
from bot.runtime import Runtime


class LinkFeature:
    """Registers `team` and `link` (comms leads), the monthly post, and the CLI."""

    name = "link"

    def __init__(self) -> None:
        self._sources: LinkSources | None = None

    @property
    def sources(self) -> LinkSources:
        """What the link reads of customers and employees, once set up."""
        assert self._sources is not None, "the link reads only once set up"
        return self._sources

    def setup(self, runtime: Runtime, customers: CustomerVoice, employees: EmployeeVoice) -> None:
        """Register the chat commands and the monthly job; the report reads `customers` and `employees`."""
        self._sources = sources = LinkSources(customers, employees)
        dispatcher = runtime.dispatcher
        dispatcher.command(
            "team",
            partial(chat.team_command, sources),
            usage=texts.TEAM_USAGE,
            summary="teams of the company",
            comms_leads_only=True,
        )
        dispatcher.command(
            "link",
            partial(chat.link_command, sources),
            usage=texts.LINK_USAGE,
            summary="customer NPS beside employee eNPS, per team and month",
            comms_leads_only=True,
        )
        runtime.scheduler.handle(jobs.MONTHLY_JOB, partial(jobs.monthly_job, runtime, sources))

    def add_commands(self, commands_: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
        """`clueline team add|list|remove`, `clueline link report|channel`."""
        cli.add_commands(commands_, lambda: self.sources)

    async def load_demo(self, runtime: Runtime) -> None:
        """Three sample teams with a year of customer feedback and pulses."""
        await load_sample_history(runtime, self.sources)
