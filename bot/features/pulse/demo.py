"""The demo's sample eNPS pulse: asked of the person at the terminal and a few simulated colleagues.

The colleagues are not messaged (the terminal shows one person's chat); their answers are written the
way real ones are (invitation flipped, pending ballot), so the threshold rules show as they would.
Two earlier runs, closed weeks ago (made with the pulse when the demo loads), give the results a trend. The
sample run closes as soon as the person at the terminal has answered, through the real close (mixing,
threshold, results post): a demo cannot wait the three days a real pulse stays open.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from importlib import resources
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.core.services import CoreServices
from bot.core.types import Button, Buttons, OutboundMessage, Text, UserRef
from bot.features.pulse.anonymity import new_invitation_token
from bot.features.pulse.ballots import ballot_seal
from bot.features.pulse.closing import close_run
from bot.features.pulse.runs import create_pulse, open_run
from bot.features.pulse.scrubbing import scrub_pending_ballots
from bot.features.pulse.sealing import BallotContents
from bot.features.pulse.spec import build_spec
from bot.features.pulse.tables import (
    DELIVERED,
    Pulse,
    PulseBallot,
    PulseInvitation,
    PulsePendingBallot,
    PulseRun,
)

if TYPE_CHECKING:
    from bot.core.turn import Turn

SAMPLE_STATUS = "sample"
DEMO_LEAD = "console:you"
SAMPLE_RESULTS = "console:pulse-results"  # where the sample posts its results; marks it after it is sent
RESULTS_ACTION = "pulse.demo_results"
RESULTS_LABEL = "Results"


def _sample() -> dict[str, object]:
    text = resources.files("bot.demo.company").joinpath("pulse/sample.json").read_text(encoding="utf-8")
    data: dict[str, object] = json.loads(text)
    return data


async def load_sample_pulse(runtime: CoreServices) -> None:
    """Create the sample eNPS pulse (once), ready for `pulse` to run it."""
    async with runtime.database.session() as session:
        # The sample pulse is the demo person's; earlier closed runs of the demo's history do not count.
        exists = (
            await session.execute(select(col(Pulse.id)).where(col(Pulse.created_by) == DEMO_LEAD).limit(1))
        ).first()
    if exists is not None:
        return
    spec = build_spec(
        question=str(_sample()["question"]),
        kind=None,
        audience=["console:you"],
        created_by=DEMO_LEAD,
        closes_after="3d",
        results_target=SAMPLE_RESULTS,
    )
    pulse_id = await create_pulse(runtime, spec, status=SAMPLE_STATUS)
    # Its closed runs of past weeks exist from the start, so the link and `pulse list` show the same history
    # before and after the person runs the sample.
    async with runtime.database.session() as session:
        pulse = await session.get(Pulse, pulse_id)
        assert pulse is not None
        await _earlier_runs(session, pulse, runtime.clock.now(), _sample()["history"])


async def run_sample_pulse(turn: Turn) -> bool:
    """Send the sample pulse now, with simulated colleagues' answers; False when there is none to run."""
    runtime = turn.runtime
    sample = _sample()
    colleagues = sample["colleagues"]
    assert isinstance(colleagues, list)
    async with runtime.database.session() as session:
        pulse = (
            await session.execute(select(Pulse).where(col(Pulse.status) == SAMPLE_STATUS).limit(1))
        ).scalar_one_or_none()
        if pulse is None:
            return False
        pulse.status = "scheduled"
        pulse.audience = json.dumps([f"console:{turn.user.user_id}"])
        run = await open_run(runtime, session, pulse, runtime.clock.now(), also_asked=len(colleagues))
        answered = 0
        for colleague in colleagues:
            score = colleague.get("score")
            _token, token_hash = new_invitation_token()
            user = UserRef(platform="console", user_id=str(colleague["name"]))
            session.add(
                PulseInvitation(
                    run_id=run.id or 0,
                    person=user.key,
                    recipient=user.model_dump_json(),
                    token_hash=token_hash,
                    answered=score is not None,
                    delivery_status=DELIVERED,
                )
            )
            if score is not None:
                answered += 1
                contents = BallotContents(value=str(score), comment=None, segment=None)
                session.add(
                    PulsePendingBallot(
                        id=str(uuid.uuid4()),
                        run_id=run.id or 0,
                        kind="answer",
                        sealed=ballot_seal(runtime).seal(run.id or 0, contents, free_text=False),
                    )
                )
        stored = await session.get(PulseRun, run.id)
        assert stored is not None
        stored.audience_size += len(colleagues)
        threshold = pulse.threshold
    await turn.reply(
        f"Sending Northpine's sample eNPS pulse to you and {len(colleagues)} simulated colleagues "
        f"({answered} of them have answered already). Answer it with one of its buttons, 0 to 10 "
        "(here, type the number). "
        f"Results appear once {threshold} people answered; comments once 10. "
        "This sample closes as soon as you answer (a real pulse stays open for its --closes-after)."
    )
    return True


async def _earlier_runs(session: AsyncSession, pulse: Pulse, now: datetime, history: object) -> None:
    """The sample's closed runs of past weeks, their answers already mixed: the trend needs them."""
    assert isinstance(history, list) and pulse.id is not None
    for past in history:
        when = now - timedelta(days=int(past["days_ago"]))
        scores = [int(score) for score in past["scores"]]
        run = PulseRun(
            pulse_id=pulse.id,
            scheduled_for=when,
            opens_at=when,
            closes_at=when + timedelta(seconds=pulse.closes_after),
            status="closed",
            audience_size=len(scores) + 1,
        )
        session.add(run)
        await session.flush()
        for score in scores:
            session.add(PulseBallot(id=str(uuid.uuid4()), run_id=run.id or 0, value=str(score)))
        await session.flush()


async def close_sample_run(turn: Turn) -> int | None:
    """Close the sample's open run once the person at the terminal has answered it: the sample pulse's id, or
    None when no such run was open."""
    runtime = turn.runtime
    async with runtime.database.session() as session:
        row = (
            await session.execute(
                select(col(PulseRun.id), col(Pulse.id))
                .join(Pulse, col(Pulse.id) == col(PulseRun.pulse_id))
                .join(PulseInvitation, col(PulseInvitation.run_id) == col(PulseRun.id))
                .where(
                    col(Pulse.results_target) == SAMPLE_RESULTS,
                    col(PulseRun.status) == "open",
                    col(PulseInvitation.person) == turn.person,
                    col(PulseInvitation.answered).is_(True),
                )
            )
        ).first()
        if row is None:
            return None
        run_id, pulse_id = row
        assert run_id is not None
        closed = await close_run(runtime, session, run_id)
    if not closed:
        return None
    await scrub_pending_ballots(runtime.database)
    return pulse_id


async def announce_sample_results(turn: Turn, pulse_id: int) -> None:
    """Tell the person at the terminal that the sample closed and how to see its results."""
    await turn.reply(
        OutboundMessage(
            text="The sample pulse is closed: its results are posted in #pulse-results.",
            blocks=[
                Text(
                    text="The sample pulse is closed: its results are posted in #pulse-results. "
                    "Type **results** to see them with the trend across runs, charts saved as files."
                ),
                Buttons(buttons=[Button(label=RESULTS_LABEL, action_id=RESULTS_ACTION, value=str(pulse_id))]),
            ],
        )
    )
