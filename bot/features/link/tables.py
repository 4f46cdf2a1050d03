"""The link's tables: teams of the company (not Slack workspaces, not Microsoft Teams)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from bot.db.models import utc_column


class CompanyTeam(SQLModel, table=True):
    """A team of the company: its channels' members are its people, its filters pick its customers' feedback."""

    __tablename__ = "company_team"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    channels: str = Field(sa_column=Column(Text, nullable=False))  # JSON list of TARGETs
    product: str | None = Field(default=None, max_length=255)
    tag: str | None = Field(default=None, max_length=255)
    keyword: str | None = Field(default=None, max_length=255)
    min_score: int | None = None
    max_score: int | None = None
    created_by: str = Field(default="", max_length=255)
    created_at: datetime = Field(sa_column=utc_column())
