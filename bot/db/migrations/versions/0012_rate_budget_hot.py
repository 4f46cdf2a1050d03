"""rate budgets without the index on their expiry, so that PostgreSQL updates them in place (HOT)

Revision ID: 0012_rate_budget_hot
Revises: 0011_inbound_tries
"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0012_rate_budget_hot"
down_revision: str | None = "0011_inbound_tries"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_rate_budget_expires_at", table_name="rate_budget")


def downgrade() -> None:
    op.create_index("ix_rate_budget_expires_at", "rate_budget", ["expires_at"], unique=False)
