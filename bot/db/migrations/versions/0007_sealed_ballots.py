"""pulse answers sealed until close; ballots keep no day

Revision ID: 0007_sealed_ballots
Revises: 0006_embeddings
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0007_sealed_ballots"
down_revision: str | None = "0006_embeddings"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Answers still pending from before sealing existed are mixed now, in random order, as a close would.
    op.execute(
        "INSERT INTO pulse_ballot (id, run_id, value, comment, answered_on, segment) "
        "SELECT id, run_id, value, comment, answered_on, segment FROM pulse_pending_ballot ORDER BY random()"
    )
    op.drop_table("pulse_pending_ballot")
    op.create_table(
        "pulse_pending_ballot",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("sealed", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["pulse_run.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("pulse_pending_ballot", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pulse_pending_ballot_run_id"), ["run_id"], unique=False)
    # A plain DROP COLUMN (SQLite 3.35+), not a batch copy, which would lose the table's WITHOUT ROWID.
    op.execute("ALTER TABLE pulse_ballot DROP COLUMN answered_on")


def downgrade() -> None:
    op.execute("ALTER TABLE pulse_ballot ADD COLUMN answered_on DATE NOT NULL DEFAULT '2000-01-01'")
    op.drop_table("pulse_pending_ballot")
    op.create_table(
        "pulse_pending_ballot",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("value", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("answered_on", sa.Date(), nullable=False),
        sa.Column("segment", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.ForeignKeyConstraint(["run_id"], ["pulse_run.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
