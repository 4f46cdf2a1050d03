"""Tables of the answers feature: questions people asked, votes on answers, and experts' replies."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, Text
from sqlmodel import Field, SQLModel

from bot.db.models import utc_column


class Question(SQLModel, table=True):
    """A question someone asked in chat, what the bot said, and how it went."""

    __tablename__ = "answers_question"
    __table_args__ = (Index("ix_answers_question_thread", "conversation_key", "thread"),)

    id: int | None = Field(default=None, primary_key=True)
    asker: str = Field(max_length=300)  # person key, e.g. slack:U123
    asker_ref: str = Field(sa_column=Column(Text, nullable=False))  # UserRef as JSON, to DM the answer later
    conversation: str = Field(sa_column=Column(Text, nullable=False))  # ConversationRef of the reply, JSON
    conversation_key: str = Field(max_length=400)  # platform:workspace/channel, to find a thread's questions
    thread: str | None = Field(default=None, max_length=255)  # the thread the bot answered in
    text: str = Field(sa_column=Column(Text, nullable=False))
    answer: str = Field(default="", sa_column=Column(Text, nullable=False))
    answered: bool = False
    chunk_keys: str = Field(default="[]", sa_column=Column(Text, nullable=False))  # JSON list the answer used
    helpful: int = 0
    unhelpful: int = 0
    escalated: bool = False
    escalation_outbox_id: int | None = Field(default=None, index=True)
    expert_channel: str | None = Field(default=None, max_length=400)  # platform:channel of the post
    expert_thread: str | None = Field(default=None, max_length=255, index=True)  # its message id
    resolved_by: str | None = Field(default=None, max_length=300)  # the expert whose answer was saved
    faq_source: str | None = Field(default=None, max_length=1024)
    created_at: datetime = Field(sa_column=utc_column(index=True))


class AnswerVote(SQLModel, table=True):
    """One person's vote on one answer (a second press changes nothing)."""

    __tablename__ = "answers_vote"

    question_id: int = Field(
        sa_column=Column(Integer, ForeignKey("answers_question.id", ondelete="CASCADE"), primary_key=True)
    )
    voter: str = Field(primary_key=True, max_length=300)
    helpful: bool
    created_at: datetime = Field(sa_column=utc_column())


class ExpertReply(SQLModel, table=True):
    """An expert's reply in the thread of an escalated question, which may be saved as the answer."""

    __tablename__ = "answers_expert_reply"

    id: int | None = Field(default=None, primary_key=True)
    question_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("answers_question.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    expert: str = Field(max_length=300)
    expert_name: str | None = Field(default=None, max_length=255)
    text: str = Field(sa_column=Column(Text, nullable=False))
    saved: bool = False
    created_at: datetime = Field(sa_column=utc_column())
