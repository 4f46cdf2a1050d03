"""A pulse answer typed as a message is kept from the answers path, which would keep it beside the person's name:
while a pulse is open for someone, their statements in private (the DM, the `/clueline` command) are not questions."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import col

from bot.core.asking import looks_like_a_question
from bot.core.markdown import escape
from bot.core.small_talk import SmallTalk, small_talk
from bot.core.turn import Turn
from bot.core.types import InboundMessage
from bot.features.pulse import texts
from bot.features.pulse.tables import Pulse, PulseInvitation, PulseRun

# Pleasantries no pulse asks for: they pass, to be answered in kind (which keeps nothing either). An
# acknowledgement ("good", "no") may be the written answer itself, so it is still held back.
PASSING_SMALL_TALK = (SmallTalk.THANKS, SmallTalk.GREETING)


async def waiting_pulse(turn: Turn) -> str | None:
    """The question of an open pulse this person is invited to, if any: answered or not, their words in the DM
    may be their answer (a written one, a comment, or the reason for the score they are about to give)."""
    query = (
        select(col(Pulse.question))
        .join(PulseRun, col(PulseRun.pulse_id) == col(Pulse.id))
        .join(PulseInvitation, col(PulseInvitation.run_id) == col(PulseRun.id))
        .where(
            col(PulseInvitation.person) == turn.person,
            col(PulseRun.status) == "open",
        )
        .order_by(col(PulseRun.id).desc())
        .limit(1)
    )
    async with turn.runtime.database.session() as session:
        return (await session.execute(query)).scalar_one_or_none()


async def keep_written_answer(turn: Turn, text: str) -> bool:
    """Take a statement typed privately (the DM, or `/clueline` anywhere: nobody else sees it) while a pulse
    waits for the person's words: say how to answer, keep nothing. Questions, thanks and greetings, and
    anything said in the open, go on to the answers."""
    event = turn.event
    if not isinstance(event, InboundMessage) or event.said_in_the_open or looks_like_a_question(text):
        return False
    if small_talk(text) in PASSING_SMALL_TALK:
        return False
    question = await waiting_pulse(turn)
    if question is None:
        return False
    await turn.reply(texts.WRITTEN_ANSWER_KEPT.format(question=escape(question)))
    return True
