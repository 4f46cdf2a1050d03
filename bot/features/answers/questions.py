"""The question log: what was asked where, what the bot said, votes, and the experts' replies."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Table, select, update
from sqlmodel import col

from bot.clock import Clock
from bot.core.types import ConversationRef, UserRef
from bot.customer_voice.redaction import redact
from bot.db.database import Database
from bot.features.answers.tables import AnswerVote, ExpertReply, Question

VOTES: Table = AnswerVote.__table__  # type: ignore[attr-defined]

MAX_STORED_CHARS = 4000
# Without threads (a DM), a question this recent counts as the one a follow-up refers to.
DIRECT_FOLLOW_UP_WINDOW = timedelta(hours=1)
CONTEXT_QUESTIONS = 2

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(text: str, limit: int = MAX_STORED_CHARS) -> str:
    """Text safe to store and search: valid UTF-8, no NUL or control characters, at most `limit` chars."""
    # Lone surrogates (from a terminal's surrogateescape) cannot be encoded; PostgreSQL refuses NUL.
    valid = text.encode("utf-8", "replace").decode("utf-8", "replace")
    normalised = unicodedata.normalize("NFC", _CONTROL.sub(" ", valid))
    return normalised.strip()[:limit]


@dataclass(frozen=True)
class Asked:
    """A question as the chat handler records it."""

    asker: UserRef
    conversation: ConversationRef
    text: str
    answer: str
    answered: bool
    chunk_keys: Sequence[str]


class QuestionLog:
    """Reads and writes the answers feature's tables."""

    def __init__(self, database: Database, clock: Clock) -> None:
        self._database = database
        self._clock = clock

    async def record(self, asked: Asked) -> int:
        """Store a question with the bot's reply; returns its id."""
        row = Question(
            asker=asked.asker.key,
            asker_ref=asked.asker.model_dump_json(),
            conversation=asked.conversation.model_dump_json(),
            conversation_key=asked.conversation.key[:400],
            thread=asked.conversation.thread,
            # Kept as the experts and the gaps will read it: a customer's email, phone or card number pasted
            # into a question is no one's business there.
            text=redact(clean_text(asked.text)),
            answer=asked.answer,
            answered=asked.answered,
            chunk_keys=json.dumps(list(asked.chunk_keys)),
            created_at=self._clock.now(),
        )
        async with self._database.session() as session:
            session.add(row)
            await session.flush()
            assert row.id is not None
            return row.id

    async def get(self, question_id: int) -> Question | None:
        """One question by id."""
        async with self._database.session() as session:
            return await session.get(Question, question_id)

    async def thread_context(self, conversation: ConversationRef) -> str:
        """The earlier questions of this thread (of this DM, when recent), oldest first, as context."""
        query = select(Question).where(col(Question.conversation_key) == conversation.key[:400])
        if conversation.thread is None:
            since = self._clock.now() - DIRECT_FOLLOW_UP_WINDOW
            query = query.where(col(Question.thread).is_(None), col(Question.created_at) >= since)
        else:
            query = query.where(col(Question.thread) == conversation.thread)
        query = query.order_by(col(Question.created_at).desc(), col(Question.id).desc()).limit(
            CONTEXT_QUESTIONS
        )
        async with self._database.session() as session:
            rows = (await session.execute(query)).scalars().all()
        return "\n".join(row.text for row in reversed(rows))

    async def by_expert_thread(self, conversation: ConversationRef) -> Question | None:
        """The escalated question whose experts' post heads this thread."""
        if conversation.thread is None:
            return None
        query = select(Question).where(
            col(Question.expert_channel) == expert_channel_key(conversation),
            col(Question.expert_thread) == conversation.thread,
        )
        async with self._database.session() as session:
            return (await session.execute(query)).scalars().first()

    async def vote(self, question_id: int, voter: str, helpful: bool) -> Question | None:
        """Count one person's vote once; returns the question, or None when they had voted already."""
        async with self._database.session() as session:
            if await session.get(Question, question_id) is None:
                return None
            # A double click sends two presses at once: the vote's key decides, and the count is added to in
            # the database, so neither a second vote nor a lost one.
            added = await session.execute(
                self._database.insert(VOTES)
                .values(question_id=question_id, voter=voter, helpful=helpful, created_at=self._clock.now())
                .on_conflict_do_nothing()
            )
            if not getattr(added, "rowcount", 0):
                return None
            counter = col(Question.helpful) if helpful else col(Question.unhelpful)
            await session.execute(
                update(Question).where(col(Question.id) == question_id).values({counter: counter + 1})
            )
            return await session.get(Question, question_id, populate_existing=True)

    async def add_expert_reply(self, question_id: int, expert: UserRef, text: str) -> ExpertReply:
        """Store an expert's reply in the thread of a question."""
        row = ExpertReply(
            question_id=question_id,
            expert=expert.key,
            expert_name=expert.display_name,
            text=clean_text(text),
            created_at=self._clock.now(),
        )
        async with self._database.session() as session:
            session.add(row)
            await session.flush()
        return row

    async def recent_unanswered(self, days: int) -> int:
        """How many questions of the last `days` days got no answer and no expert's answer yet."""
        since = self._clock.now() - timedelta(days=days)
        query = select(col(Question.id)).where(
            col(Question.created_at) >= since,
            col(Question.answered).is_(False),
            col(Question.resolved_by).is_(None),
        )
        async with self._database.session() as session:
            return len((await session.execute(query)).all())


def expert_channel_key(conversation: ConversationRef) -> str:
    """How an experts' post's channel is matched: platform and channel (workspace ids vary by source)."""
    return f"{conversation.platform}:{conversation.channel}"[:400]


def chunk_keys_of(question: Question) -> list[str]:
    """The chunk keys the question's answer rested on."""
    try:
        keys = json.loads(question.chunk_keys)
    except ValueError:
        return []
    return [k for k in keys if isinstance(k, str)] if isinstance(keys, list) else []
