"""A pulse answer typed as a message is kept from the answers path, which would send it to the experts' channel
beside the person's name: while a pulse waits for someone's words, their statements in the DM are not questions."""

from __future__ import annotations

import re

from sqlalchemy import and_, or_, select
from sqlmodel import col

from bot.core.markdown import escape
from bot.core.small_talk import SmallTalk, small_talk
from bot.core.turn import Turn
from bot.features.pulse import texts
from bot.features.pulse.tables import Pulse, PulseInvitation, PulseRun

# Pleasantries no pulse asks for: they pass, to be answered in kind (which keeps nothing either). An
# acknowledgement ("good", "no") may be the written answer itself, so it is still held back.
PASSING_SMALL_TALK = (SmallTalk.THANKS, SmallTalk.GREETING)

# What opens a question: a message that starts so or ends with "?" is one, whatever pulse is waiting.
_QUESTION = re.compile(
    r"^\W*(how|what|what's|whats|why|when|where|who|which|can|could|does|do|did|is|are|was|should|would|will|"
    r"may|ask)\b",
    re.IGNORECASE,
)


def looks_like_a_question(text: str) -> bool:
    """Whether a message asks something (a question word first, or a question mark last)."""
    return text.rstrip().endswith("?") or bool(_QUESTION.match(text))


async def waiting_pulse(turn: Turn) -> str | None:
    """The question of an open pulse that waits for this person's words, if any: a written pulse they have
    not answered, or another they answered but have not commented on."""
    query = (
        select(col(Pulse.question))
        .join(PulseRun, col(PulseRun.pulse_id) == col(Pulse.id))
        .join(PulseInvitation, col(PulseInvitation.run_id) == col(PulseRun.id))
        .where(
            col(PulseInvitation.person) == turn.person,
            col(PulseRun.status) == "open",
            or_(
                and_(col(Pulse.kind) == "text", col(PulseInvitation.answered).is_(False)),
                and_(
                    col(Pulse.kind) != "text",
                    col(PulseInvitation.answered).is_(True),
                    col(PulseInvitation.commented).is_(False),
                ),
            ),
        )
        .order_by(col(PulseRun.id).desc())
        .limit(1)
    )
    async with turn.runtime.database.session() as session:
        return (await session.execute(query)).scalar_one_or_none()


async def keep_written_answer(turn: Turn, text: str) -> bool:
    """Take a statement typed in the DM while a pulse waits for the person's words: say how to answer, keep
    nothing. Questions, thanks and greetings, and anything said elsewhere, go on to the answers."""
    conversation = turn.conversation
    if conversation is None or not conversation.is_direct or looks_like_a_question(text):
        return False
    if small_talk(text) in PASSING_SMALL_TALK:
        return False
    question = await waiting_pulse(turn)
    if question is None:
        return False
    await turn.reply(texts.WRITTEN_ANSWER_KEPT.format(question=escape(question)))
    return True
