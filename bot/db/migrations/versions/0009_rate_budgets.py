"""rate budgets shared by every process (Slack and Teams limits, 429 pauses)

Revision ID: 0009_rate_budgets
Revises: 0008_company_teams
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0009_rate_budgets"
down_revision: str | None = "0008_company_teams"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rate_budget",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("arrivals", sa.Text(), nullable=False),
        sa.Column("paused_until", sa.Float(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index(op.f("ix_rate_budget_expires_at"), "rate_budget", ["expires_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_rate_budget_expires_at"), table_name="rate_budget")
    op.drop_table("rate_budget")
