"""inbound events stored before the ack and handled by whichever process leases them

Revision ID: 0010_inbound_queue
Revises: 0008_company_teams
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from bot.db.columns import UTCDateTime

revision: str = "0010_inbound_queue"
down_revision: str | None = "0009_rate_budgets"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("inbound_event") as batch:
        batch.add_column(sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))
        batch.add_column(sa.Column("payload", sa.Text(), nullable=True))
        batch.add_column(sa.Column("leased_by", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True))
        batch.add_column(sa.Column("leased_until", UTCDateTime(), nullable=True))
        batch.create_index("ix_inbound_event_pending", ["completed", "claimed_at"])


def downgrade() -> None:
    with op.batch_alter_table("inbound_event") as batch:
        batch.drop_index("ix_inbound_event_pending")
        batch.drop_column("leased_until")
        batch.drop_column("leased_by")
        batch.drop_column("payload")
        batch.drop_column("platform")
