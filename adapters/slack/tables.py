"""The Slack adapter's own tables: OAuth installations per workspace and one-time OAuth states.

They share `SQLModel.metadata` with the core's and the features' tables (bot/db/tables.py lists this module),
so the migrations that created them and `alembic check` see them as before.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.db.models import utc_column


class PlatformInstallation(SQLModel, table=True):
    """An installation of the bot into a workspace (Slack OAuth), as the platform SDK serialises it."""

    __tablename__ = "platform_installation"
    __table_args__ = (UniqueConstraint("platform", "workspace", "enterprise"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    workspace: str = Field(max_length=64)
    enterprise: str = Field(default="", max_length=64)
    data: str = Field(sa_column=Column(Text, nullable=False))  # the SDK's installation, as JSON
    installed_at: datetime = Field(sa_column=utc_column())


class OAuthState(SQLModel, table=True):
    """A one-time OAuth state value, consumed by the redirect."""

    __tablename__ = "oauth_state"

    state: str = Field(primary_key=True, max_length=255)
    expires_at: datetime = Field(sa_column=utc_column())
