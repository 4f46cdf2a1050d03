"""The demo's sample eNPS pulse: asked of the person at the terminal and a few simulated colleagues.

The colleagues are not messaged (the terminal shows one person's chat); their answers are written the
way real ones are (invitation flipped, pending ballot), so the threshold rules show as they would.
"""

from __future__ import annotations

import json
import uuid
from importlib import resources
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlmodel import col

from bot.core.types import UserRef
from bot.features.pulse import service
from bot.features.pulse.anonymity import new_invitation_token
from bot.features.pulse.answers import ballot_seal
from bot.features.pulse.sealing import BallotContents
from bot.features.pulse.tables import Pulse, PulseInvitation, PulsePendingBallot, PulseRun
from bot.runtime import Runtime

if TYPE_CHECKING:
    from bot.core.turn import Turn

SAMPLE_STATUS = "sample"
DEMO_LEAD = "console:you"


def _sample() -> dict[str, object]:
    text = resources.files("bot.demo.company").joinpath("pulse/sample.json").read_text(encoding="utf-8")
    data: dict[str, object] = json.loads(text)
    return data


async def load_sample_pulse(runtime: Runtime) -> None:
    """Create the sample eNPS pulse (once), ready for `pulse` to run it."""
    async with runtime.database.session() as session:
        # The sample pulse is the demo person's; earlier closed runs of the demo's history do not count.
        exists = (
            await session.execute(select(col(Pulse.id)).where(col(Pulse.created_by) == DEMO_LEAD).limit(1))
        ).first()
    if exists is not None:
        return
    spec = service.build_spec(
        question=str(_sample()["question"]),
        kind=None,
        audience=["console:you"],
        created_by=DEMO_LEAD,
        closes_after="3d",
        results_target="console:pulse-results",
    )
    await service.create_pulse(runtime, spec, status=SAMPLE_STATUS)


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
        run = await service.open_run(runtime, session, pulse, runtime.clock.now())
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
                    delivery_status="sent",
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
        f"({answered} of them have answered already). Answer it by typing a number from 0 to 10. "
        f"Results appear once {threshold} people answered; comments once 10."
    )
    return True
