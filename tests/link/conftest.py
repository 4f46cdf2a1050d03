"""A generated year of customer feedback and eNPS pulses for three teams, built through the product's services.

Pulses are created, answered by token and closed through the pulse feature's service on a manual clock,
so segment labels and thresholds apply as they do in production. The year ends with the real current
month, because `clueline link report` (run in these tests) reads the system clock.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import ManualClock
from bot.core.types import UserRef
from bot.customer_voice.items import FeedbackItem
from bot.features.link.assembly import link_report
from bot.features.link.months import DEFAULT_MONTHS, month_of, month_start, months_until
from bot.features.link.report import LinkReport
from bot.features.link.teams import build_team, save_team
from bot.features.pulse.ballots import AnswerOutcome, record_answer
from bot.features.pulse.closing import close_pulse
from bot.features.pulse.runs import create_pulse
from bot.features.pulse.spec import build_spec
from bot.runtime import Runtime
from bot.settings import Settings
from tests.support import databases
from tests.support.databases import TEST_SECRET_KEY
from tests.support.runtime import build_test_runtime, close
from tests.support.testbot import TestBot
from tests.support.testbot import person as platform_person
from tests.support.wiring import features_of

MONTHS = months_until(month_of(datetime.now(UTC), "UTC"), 12)
TEAMS = {"Support": ("C1", "helpdesk"), "Sales": ("C2", "billing"), "Product": ("C3", "reports")}
PEOPLE = {
    "C1": [f"S{n}" for n in range(8)],
    "C2": [f"L{n}" for n in range(6)],
    "C3": [f"P{n}" for n in range(6)],
}
NO_PULSE = {MONTHS[2], MONTHS[7]}
# Month 11: Support 6, Sales 5, Product 2 answers (Product's label is dropped at close, so the rest holds 2).
# Month 12: Support 8, Sales 2 answers (Sales' label is dropped: company minus Support is 2 people).
ANSWERING = {MONTHS[10]: {"C1": 6, "C2": 5, "C3": 2}, MONTHS[11]: {"C1": 8, "C2": 2, "C3": 0}}


def employee_scores(month_index: int, channel: str) -> list[int]:
    """Scores of a channel's people in a month (everyone answers, unless ANSWERING says fewer)."""
    people = PEOPLE[channel]
    base = {"C1": 7, "C2": 5, "C3": 8}[channel]
    scores = [min(10, max(0, base + (month_index + n) % 5 - 1)) for n in range(len(people))]
    return scores[: ANSWERING.get(MONTHS[month_index], {}).get(channel, len(people))]


def customer_scores(month_index: int, product: str) -> list[int]:
    """NPS scores of a product's customers in a month."""
    shift = {"helpdesk": 0, "billing": 2, "reports": 4}[product]
    return [(month_index * 3 + shift + n * 4) % 11 for n in range(6)]


CSAT = {"helpdesk": [4, 5, 3], "billing": [2, 5], "reports": []}


def slack_user(user_id: str) -> UserRef:
    """A person of the test workspace."""
    return platform_person(user_id, "slack")


class LinkWorld(TestBot):
    """The conversation test bot on a manual clock, with the pulses it ran."""

    clock: ManualClock

    def __init__(self, runtime: Runtime, clock: ManualClock) -> None:
        super().__init__(runtime, clock=clock)
        self.pulses: list[int] = []

    async def report(self, months: int = DEFAULT_MONTHS, team: str | None = None) -> LinkReport:
        """The link report as the chat and the command line read it, through the sources the root wired."""
        return await link_report(self.runtime, features_of(self.runtime).link.sources, months, team)

    def newest_token(self, user_id: str) -> str:
        """The newest answer token a person was sent."""
        tokens = self.button_values(user_id, "pulse.")
        assert tokens, f"{user_id} got no invitation"
        return tokens[-1]

    async def pulse_month(self, month_index: int) -> None:
        """An eNPS pulse to the three channels in that month: sent, answered, closed."""
        self.clock.set(month_start(MONTHS[month_index], "UTC") + timedelta(days=9, hours=9))
        spec = build_spec(
            question="enps",
            kind=None,
            audience=["slack:C1", "slack:C2", "slack:C3"],
            created_by="slack:ULEAD",
        )
        pulse_id = await create_pulse(self.runtime, spec)
        await self.settle()
        for channel, people in PEOPLE.items():
            for person, score in zip(people, employee_scores(month_index, channel), strict=False):
                result = await record_answer(
                    self.runtime, f"slack:{person}", self.newest_token(person), str(score)
                )
                assert result.outcome is AnswerOutcome.RECORDED
        self.clock.advance(timedelta(days=1))
        assert await close_pulse(self.runtime, pulse_id) == 1
        await self.settle()
        self.pulses.append(pulse_id)

    async def feedback_year(self) -> None:
        """Six NPS answers a month for each product, and a few CSAT ratings."""
        intake = features_of(self.runtime).feedback.importing.intake
        assert intake is not None
        items: list[FeedbackItem] = []
        for index, month in enumerate(MONTHS):
            when = month_start(month, "UTC") + timedelta(days=11, hours=10)
            for product in ("helpdesk", "billing", "reports"):
                for n, score in enumerate(customer_scores(index, product)):
                    items.append(
                        FeedbackItem(
                            id=f"{month}-{product}-{n}",
                            source="nps-survey",
                            text=f"The {product} screen {'works well' if score > 8 else 'is slow to load'} for us.",
                            received_at=when + timedelta(minutes=n),
                            scale="nps",
                            score=score,
                            product=product,
                        )
                    )
                for n, score in enumerate(CSAT[product]):
                    items.append(
                        FeedbackItem(
                            id=f"{month}-{product}-csat-{n}",
                            source="csat-survey",
                            text=f"Rated the {product} help.",
                            received_at=when + timedelta(hours=1, minutes=n),
                            scale="csat",
                            score=score,
                            product=product,
                        )
                    )
        await intake.accept(items)


def make_world(database_url: str) -> LinkWorld:
    """A runtime with every feature on a manual clock, and Slack channels C1-C3 of the three teams."""
    clock = ManualClock(month_start(MONTHS[0], "UTC"))
    runtime = build_test_runtime(
        Settings(
            database_url=database_url,
            admins=frozenset({"slack:ULEAD", "console:lead"}),
            secret_key=TEST_SECRET_KEY,
        ),
        clock,
    )
    world = LinkWorld(runtime, clock)
    for channel, people in PEOPLE.items():
        world.add_members(channel, [slack_user(member) for member in people])
    return world


async def add_teams(runtime: Runtime) -> None:
    """Support, Sales and Product: one channel each, customers by product."""
    for name, (channel, product) in TEAMS.items():
        await save_team(runtime, build_team(name, [f"slack:{channel}"], product=product), "slack:ULEAD")


@dataclass
class BuiltYear:
    """A generated year as its database held it once built, with what the world kept beside it."""

    contents: databases.Contents
    ended_at: datetime
    pulses: list[int]


@pytest.fixture(scope="session")
def built_years() -> dict[str, BuiltYear]:
    """The year built once per database backend in this test process, copied into each test's database."""
    return {}


@pytest.fixture
async def year(
    database_url: str, built_years: dict[str, BuiltYear], tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[LinkWorld]:
    """The generated year: teams, feedback, and pulses in every month but two."""
    # Built through the services it takes seconds (ten pulses, every answer); the same rows come back in a blink.
    backend = database_url.partition(":")[0]
    built = built_years.get(backend)
    if built is not None:
        await databases.restore_contents(built.contents, database_url)
        world = make_world(database_url)
        world.clock.set(built.ended_at)
        world.pulses = list(built.pulses)
    else:
        world = make_world(database_url)
        await add_teams(world.runtime)
        await world.feedback_year()
        for index, month in enumerate(MONTHS):
            if month not in NO_PULSE:
                await world.pulse_month(index)
        contents = await databases.copy_contents(database_url, tmp_path_factory.mktemp("year"))
        built_years[backend] = BuiltYear(contents, world.clock.now(), list(world.pulses))
    yield world
    await close(world.runtime)
