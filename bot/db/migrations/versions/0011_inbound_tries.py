"""an inbound event's failed tries counted in its row, shared by every process

Revision ID: 0011_inbound_tries
Revises: 0010_inbound_queue
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_inbound_tries"
down_revision: str | None = "0010_inbound_queue"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("inbound_event") as batch:
        batch.add_column(sa.Column("tries", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("inbound_event") as batch:
        batch.drop_column("tries")
