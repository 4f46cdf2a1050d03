"""Tables of pulses: what is asked and when, who was asked, and (apart from them) what was answered.

`pulse_invitation` knows people; `pulse_pending_ballot` (sealed) and `pulse_ballot` know answers. No column
of a ballot names a person, an invitation or a time (see anonymity.py and sealing.py for the design).
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from sqlalchemy import Column, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.db.models import utc_column


class Pulse(SQLModel, table=True):
    """A question a comms lead asks an audience: once, or on a schedule."""

    __tablename__ = "pulse"

    id: int | None = Field(default=None, primary_key=True)
    question: str = Field(sa_column=Column(Text, nullable=False))
    kind: str = Field(max_length=8)  # enps, scale, yesno, text
    audience: str = Field(sa_column=Column(Text, nullable=False))  # JSON list of TARGETs
    at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))
    cron: str | None = Field(default=None, max_length=128)
    time_zone: str | None = Field(default=None, max_length=64)
    skip_weekends: bool = False
    recipient_local_time: bool = False
    closes_after: int  # seconds
    reminder_after: int | None = None  # seconds; None: no reminders
    threshold: int
    results_target: str | None = Field(default=None, max_length=255)
    created_by: str = Field(max_length=255)
    created_at: datetime = Field(sa_column=utc_column())
    status: str = Field(default="scheduled", max_length=16)  # scheduled, sample, closed


class PulseRun(SQLModel, table=True):
    """One sending of a pulse; a recurring pulse has one run per firing."""

    __tablename__ = "pulse_run"
    __table_args__ = (UniqueConstraint("pulse_id", "scheduled_for"),)

    id: int | None = Field(default=None, primary_key=True)
    pulse_id: int = Field(sa_column=Column(Integer, ForeignKey("pulse.id"), nullable=False, index=True))
    scheduled_for: datetime = Field(sa_column=utc_column())
    opens_at: datetime = Field(sa_column=utc_column())
    closes_at: datetime = Field(sa_column=utc_column())
    status: str = Field(default="open", max_length=16)  # open, closed
    audience_size: int = 0
    unreached: str = Field(default="[]", sa_column=Column(Text, nullable=False))  # JSON [[target, reason]]
    published_cut: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # JSON


DELIVERED: Final = "sent"  # an invitation's delivery_status once the platform took it


class PulseInvitation(SQLModel, table=True):
    """Who was asked in a run and whether they answered; never what, and never when they answered."""

    __tablename__ = "pulse_invitation"
    __table_args__ = (UniqueConstraint("run_id", "person"),)

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(sa_column=Column(Integer, ForeignKey("pulse_run.id"), nullable=False, index=True))
    person: str = Field(max_length=255)  # slack:U123
    recipient: str = Field(sa_column=Column(Text, nullable=False))  # UserRef JSON, for reminders
    token_hash: str = Field(max_length=64, unique=True)  # of the invitation's buttons
    reminder_token_hash: str | None = Field(default=None, max_length=64, unique=True)  # newest reminder's
    segment: str | None = Field(default=None, max_length=255)  # the audience TARGET they came from
    answered: bool = False
    commented: bool = False
    reminders_sent: int = 0
    outbox_id: int | None = Field(default=None, index=True)  # the on-sent hook finds the invitation by it
    delivery_status: str = Field(default="queued", max_length=16)  # queued, sent, failed
    delivery_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class PulsePendingBallot(SQLModel, table=True):
    """A fresh answer, sealed until its run closes (it shares a transaction with its invitation)."""

    __tablename__ = "pulse_pending_ballot"

    id: str = Field(sa_column=Column(String(36), primary_key=True))
    run_id: int = Field(sa_column=Column(Integer, ForeignKey("pulse_run.id"), nullable=False, index=True))
    # "answer" or "comment": no secret, since the invitation's answered and commented flags say as much.
    kind: str = Field(max_length=8)
    sealed: str = Field(sa_column=Column(Text, nullable=False))


class PulseBallot(SQLModel, table=True):
    """An answer after mixing: written in a shuffled batch, keyed by a random id (no rowid on SQLite)."""

    __tablename__ = "pulse_ballot"
    __table_args__ = {"sqlite_with_rowid": False}

    id: str = Field(sa_column=Column(String(36), primary_key=True))
    run_id: int = Field(sa_column=Column(Integer, ForeignKey("pulse_run.id"), nullable=False, index=True))
    value: str | None = Field(default=None, max_length=2000)
    comment: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    segment: str | None = Field(default=None, max_length=255)
