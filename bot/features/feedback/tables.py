"""Tables of the customer-voice feature: items, routes, posts, adoptions and digests sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.db.models import utc_column


class FeedbackRecord(SQLModel, table=True):
    """One feedback item as received, with its redacted text, its score and what became of it."""

    __tablename__ = "feedback_item"
    __table_args__ = (
        UniqueConstraint("source", "external_id", name="uq_feedback_item_source_external_id"),
        Index("ix_feedback_item_originals", "duplicate_of", "received_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=200)
    external_id: str = Field(max_length=200)
    received_at: datetime = Field(sa_column=utc_column(index=True))
    created_at: datetime = Field(sa_column=utc_column(index=True))
    scale: str = Field(default="none", max_length=8)
    score: int | None = None
    text: str = Field(sa_column=Column(Text, nullable=False))
    redacted_text: str = Field(sa_column=Column(Text, nullable=False))
    # Contact kept for follow-up only: shown to whoever claims the follow-up, never posted.
    customer_name: str | None = Field(default=None, max_length=255)
    customer_email: str | None = Field(default=None, max_length=320)
    account: str | None = Field(default=None, max_length=255)
    account_key: str | None = Field(default=None, max_length=255, index=True)
    product: str | None = Field(default=None, max_length=255)
    tags: str = Field(default="[]", sa_column=Column(Text, nullable=False))  # JSON list
    extra: str = Field(default="{}", sa_column=Column("metadata", Text, nullable=False))  # JSON object
    highlight_score: float = 0.0
    polarity: str = Field(default="neutral", max_length=8)
    reasons: str = Field(default="[]", sa_column=Column(Text, nullable=False))  # JSON list
    is_highlight: bool = False
    duplicate_of: int | None = Field(default=None, foreign_key="feedback_item.id")
    similar_count: int = 0
    at_risk: bool = False
    routed_to: str = Field(default="[]", sa_column=Column(Text, nullable=False))  # JSON list of routes
    claimed_by: str | None = Field(default=None, max_length=255)
    claimed_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class RouteRecord(SQLModel, table=True):
    """Where highlights go: a TARGET, filters, and real time or a digest."""

    __tablename__ = "feedback_route"

    id: int | None = Field(default=None, primary_key=True)
    target: str = Field(max_length=255)
    min_score: int | None = None
    max_score: int | None = None
    product: str | None = Field(default=None, max_length=255)
    tag: str | None = Field(default=None, max_length=255)
    keyword: str | None = Field(default=None, max_length=255)
    digest: str = Field(default="off", max_length=8)
    created_by: str = Field(default="", max_length=255)
    created_at: datetime = Field(sa_column=utc_column())


class HighlightPostRecord(SQLModel, table=True):
    """A highlight queued for one route: its outbox row, and once sent, where it landed."""

    __tablename__ = "feedback_post"
    __table_args__ = (Index("ix_feedback_post_thread", "target", "account_key", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="feedback_item.id", index=True)
    route_id: int | None = None
    target: str = Field(max_length=255)
    account_key: str | None = Field(default=None, max_length=255)
    outbox_id: int | None = Field(default=None, index=True)
    # The outbox row of the account thread's first post; a later post waits for it to be sent, then replies.
    thread_of: int | None = Field(default=None, index=True)
    message_id: str | None = Field(default=None, max_length=255)
    conversation: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # as sent
    thread: str | None = Field(default=None, max_length=255)  # the account thread this post starts or joins
    discuss_thread: str | None = Field(default=None, max_length=255)
    created_at: datetime = Field(sa_column=utc_column())
    posted_at: datetime | None = Field(default=None, sa_column=utc_column(nullable=True))


class Adoption(SQLModel, table=True):
    """A person who adopted a customer account: they get a DM for each new item from it."""

    __tablename__ = "feedback_adoption"
    __table_args__ = (UniqueConstraint("person", "account_key", name="uq_feedback_adoption_person_account"),)

    id: int | None = Field(default=None, primary_key=True)
    person: str = Field(max_length=255)
    recipient: str = Field(sa_column=Column(Text, nullable=False))  # UserRef as JSON
    account: str = Field(max_length=255)
    account_key: str = Field(max_length=255, index=True)
    created_at: datetime = Field(sa_column=utc_column())


class DigestRecord(SQLModel, table=True):
    """A digest that went out: which scope and period, with its figures."""

    __tablename__ = "feedback_digest"
    __table_args__ = (UniqueConstraint("scope", "period_end", name="uq_feedback_digest_scope_period"),)

    id: int | None = Field(default=None, primary_key=True)
    scope: str = Field(max_length=64)  # "route:3" or "company"
    target: str = Field(max_length=255)
    period_start: datetime = Field(sa_column=utc_column())
    period_end: datetime = Field(sa_column=utc_column())
    item_count: int = 0
    nps: int | None = None
    created_at: datetime = Field(sa_column=utc_column())
