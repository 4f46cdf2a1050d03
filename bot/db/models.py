"""The core's tables: conversations, people, inbound event keys, the outbox, scheduled jobs, roles.

Each feature keeps its own tables beside its code; all of them share `SQLModel.metadata`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.db.columns import UTCDateTime


def utc_column(*, nullable: bool = False, index: bool = False) -> Column[datetime]:
    """A column of aware UTC datetimes."""
    return Column(UTCDateTime(), nullable=nullable, index=index)


class ConversationRecord(SQLModel, table=True):
    """A conversation the bot has seen, with the reference needed to post there again."""

    __tablename__ = "conversation"
    __table_args__ = (UniqueConstraint("platform", "workspace", "channel"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    workspace: str = Field(max_length=64)
    channel: str = Field(max_length=255)
    reference: str = Field(sa_column=Column(Text, nullable=False))  # ConversationRef as JSON
    is_direct: bool = False
    updated_at: datetime = Field(sa_column=utc_column())


class PersonRecord(SQLModel, table=True):
    """A person on one platform, and their 1:1 conversation with the bot once it exists."""

    __tablename__ = "person"
    __table_args__ = (UniqueConstraint("platform", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    workspace: str = Field(max_length=64)
    user_id: str = Field(max_length=255)
    display_name: str | None = Field(default=None, max_length=255)
    time_zone: str | None = Field(default=None, max_length=64)
    direct_conversation: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    updated_at: datetime = Field(sa_column=utc_column())


class InboundEventKey(SQLModel, table=True):
    """An event some process has claimed; a second delivery of the same key is ignored."""

    __tablename__ = "inbound_event"
    __table_args__ = (Index("ix_inbound_event_pending", "completed", "claimed_at"),)

    key: str = Field(primary_key=True, max_length=255)
    claimed_at: datetime = Field(sa_column=utc_column(index=True))
    completed: bool = False  # an unfinished claim of a crashed process may be taken over by a retry
    # Store-then-work: the event as acknowledged, until handled (then dropped: it may hold personal data).
    platform: str | None = Field(default=None, max_length=16)
    payload: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # Which process is handling it, and until when; a lapsed lease (or a dead process) lets another take it.
    leased_by: str | None = Field(default=None, max_length=255)
    leased_until: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    # How often its handling failed before any feature ran, counted in the row so that every process (and a
    # restarted one) counts the same tries: it is given up after bot.core.inbound_worker.TRIES of them.
    tries: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0", default=0))


class OutboxMessage(SQLModel, table=True):
    """A message the bot sends on its own initiative, sent exactly once by whichever worker claims it."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "not_before"),)

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str | None = Field(default=None, max_length=255, unique=True)
    purpose: str = Field(default="message", max_length=64)  # e.g. highlight, pulse_invite, digest
    platform: str = Field(max_length=16)
    conversation: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # ConversationRef
    recipient: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # UserRef, for DMs
    message: str = Field(sa_column=Column(Text, nullable=False))  # OutboundMessage as JSON
    status: str = Field(default="pending", max_length=16)  # pending, sending, sent, failed
    attempts: int = 0
    not_before: datetime = Field(sa_column=utc_column())
    claimed_by: str | None = Field(default=None, max_length=128)
    lease_until: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    sent_conversation: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    sent_message_id: str | None = Field(default=None, max_length=255)
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(sa_column=utc_column())
    sent_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class ScheduledJob(SQLModel, table=True):
    """A job that fires at `next_run_at`: once, or again by a cron expression in a time zone."""

    __tablename__ = "scheduled_job"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=255, unique=True)
    kind: str = Field(max_length=64, index=True)  # which handler runs it
    payload: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    cron: str | None = Field(default=None, max_length=128)
    time_zone: str = Field(default="UTC", max_length=64)
    next_run_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True, index=True))
    last_run_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    active: bool = True


class CommsLead(SQLModel, table=True):
    """Someone granted the comms-lead role in chat (besides CLUELINE_ADMINS)."""

    __tablename__ = "comms_lead"

    person: str = Field(primary_key=True, max_length=255)  # slack:U123
    granted_by: str = Field(max_length=255)
    granted_at: datetime = Field(sa_column=utc_column())


class PlaceSetting(SQLModel, table=True):
    """A named place chosen by a comms lead: the experts' channel, the company digest channel, ..."""

    __tablename__ = "place_setting"

    name: str = Field(primary_key=True, max_length=64)
    target: str = Field(max_length=255)
    updated_at: datetime = Field(sa_column=utc_column())
