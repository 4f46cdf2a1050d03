"""each ingested document remembers the folder it was ingested from, so --prune drops only that folder's

Revision ID: 0013_knowledge_roots
Revises: 0012_rate_budget_hot
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_knowledge_roots"
down_revision: str | None = "0012_rate_budget_hot"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("knowledge_document") as batch:
        batch.add_column(sa.Column("root", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("knowledge_document") as batch:
        batch.drop_column("root")
