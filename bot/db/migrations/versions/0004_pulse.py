"""pulse tables

Revision ID: 0004_pulse
Revises: 0003_feedback
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.db.columns

revision: str = "0004_pulse"
down_revision: str | None = "0003_feedback"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('pulse',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('audience', sa.Text(), nullable=False),
    sa.Column('at', bot.db.columns.UTCDateTime(timezone=True), nullable=True),
    sa.Column('cron', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
    sa.Column('time_zone', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('skip_weekends', sa.Boolean(), nullable=False),
    sa.Column('recipient_local_time', sa.Boolean(), nullable=False),
    sa.Column('closes_after', sa.Integer(), nullable=False),
    sa.Column('reminder_after', sa.Integer(), nullable=True),
    sa.Column('threshold', sa.Integer(), nullable=False),
    sa.Column('results_target', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('created_at', bot.db.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )

    op.create_table('pulse_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pulse_id', sa.Integer(), nullable=False),
    sa.Column('scheduled_for', bot.db.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('opens_at', bot.db.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closes_at', bot.db.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('audience_size', sa.Integer(), nullable=False),
    sa.Column('unreached', sa.Text(), nullable=False),
    sa.Column('published_cut', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['pulse_id'], ['pulse.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('pulse_id', 'scheduled_for')
    )

    with op.batch_alter_table('pulse_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pulse_run_pulse_id'), ['pulse_id'], unique=False)

    op.create_table('pulse_ballot',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('value', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('answered_on', sa.Date(), nullable=False),
    sa.Column('segment', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.ForeignKeyConstraint(['run_id'], ['pulse_run.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sqlite_with_rowid=False
    )

    with op.batch_alter_table('pulse_ballot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pulse_ballot_run_id'), ['run_id'], unique=False)

    op.create_table('pulse_invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('person', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('recipient', sa.Text(), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('reminder_token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('segment', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.Column('answered', sa.Boolean(), nullable=False),
    sa.Column('commented', sa.Boolean(), nullable=False),
    sa.Column('reminders_sent', sa.Integer(), nullable=False),
    sa.Column('outbox_id', sa.Integer(), nullable=True),
    sa.Column('delivery_status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('delivery_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['run_id'], ['pulse_run.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('run_id', 'person'),
    sa.UniqueConstraint('reminder_token_hash'),
    sa.UniqueConstraint('token_hash')
    )

    with op.batch_alter_table('pulse_invitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pulse_invitation_outbox_id'), ['outbox_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pulse_invitation_run_id'), ['run_id'], unique=False)

    op.create_table('pulse_pending_ballot',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('value', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('answered_on', sa.Date(), nullable=False),
    sa.Column('segment', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.ForeignKeyConstraint(['run_id'], ['pulse_run.id'], ),
    sa.PrimaryKeyConstraint('id')
    )

    with op.batch_alter_table('pulse_pending_ballot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pulse_pending_ballot_run_id'), ['run_id'], unique=False)


def downgrade() -> None:
    for table in ("pulse_pending_ballot", "pulse_ballot", "pulse_invitation", "pulse_run", "pulse"):
        op.drop_table(table)
