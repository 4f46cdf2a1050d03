"""teams of the company, for the link of customer NPS and employee eNPS

Revision ID: 0008_company_teams
Revises: 0007_sealed_ballots
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from bot.db.columns import UTCDateTime

revision: str = "0008_company_teams"
down_revision: str | None = "0007_sealed_ballots"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "company_team",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("channels", sa.Text(), nullable=False),
        sa.Column("product", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("tag", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("keyword", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("min_score", sa.Integer(), nullable=True),
        sa.Column("max_score", sa.Integer(), nullable=True),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("company_team")
