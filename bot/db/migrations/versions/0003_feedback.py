"""customer feedback tables

Revision ID: 0003_feedback
Revises: 0002_knowledge
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.db.columns

revision: str = "0003_feedback"
down_revision: str | None = "0002_knowledge"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('feedback_adoption',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('recipient', sa.Text(), nullable=False),
    sa.Column('account', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('account_key', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('created_at', bot.db.columns.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('person', 'account_key', name='uq_feedback_adoption_person_account')
    )
    with op.batch_alter_table('feedback_adoption', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_adoption_account_key'), ['account_key'], unique=False)

    op.create_table('feedback_digest',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('target', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('period_start', bot.db.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('period_end', bot.db.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('item_count', sa.Integer(), nullable=False),
    sa.Column('nps', sa.Integer(), nullable=True),
    sa.Column('created_at', bot.db.columns.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('scope', 'period_end', name='uq_feedback_digest_scope_period')
    )
    op.create_table('feedback_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('external_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('received_at', bot.db.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_at', bot.db.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('scale', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('redacted_text', sa.Text(), nullable=False),
    sa.Column('customer_name', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.Column('customer_email', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=True),
    sa.Column('account', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.Column('account_key', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.Column('product', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.Column('tags', sa.Text(), nullable=False),
    sa.Column('metadata', sa.Text(), nullable=False),
    sa.Column('highlight_score', sa.Float(), nullable=False),
    sa.Column('polarity', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('is_highlight', sa.Boolean(), nullable=False),
    sa.Column('duplicate_of', sa.Integer(), nullable=True),
    sa.Column('similar_count', sa.Integer(), nullable=False),
    sa.Column('at_risk', sa.Boolean(), nullable=False),
    sa.Column('routed_to', sa.Text(), nullable=False),
    sa.Column('claimed_by', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.Column('claimed_at', bot.db.columns.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['duplicate_of'], ['feedback_item.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('source', 'external_id', name='uq_feedback_item_source_external_id')
    )
    with op.batch_alter_table('feedback_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_item_account_key'), ['account_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_item_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_feedback_item_originals', ['duplicate_of', 'received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_item_received_at'), ['received_at'], unique=False)

    op.create_table('feedback_route',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('target', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('min_score', sa.Integer(), nullable=True),
    sa.Column('max_score', sa.Integer(), nullable=True),
    sa.Column('product', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.Column('tag', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.Column('keyword', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.Column('digest', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('created_at', bot.db.columns.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('feedback_post',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('route_id', sa.Integer(), nullable=True),
    sa.Column('target', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('account_key', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.Column('outbox_id', sa.Integer(), nullable=True),
    sa.Column('thread_of', sa.Integer(), nullable=True),
    sa.Column('message_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.Column('conversation', sa.Text(), nullable=True),
    sa.Column('thread', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.Column('discuss_thread', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.Column('created_at', bot.db.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('posted_at', bot.db.columns.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['item_id'], ['feedback_item.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('feedback_post', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_post_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_post_outbox_id'), ['outbox_id'], unique=False)
        batch_op.create_index('ix_feedback_post_thread', ['target', 'account_key', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_post_thread_of'), ['thread_of'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('feedback_post', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_post_thread_of'))
        batch_op.drop_index('ix_feedback_post_thread')
        batch_op.drop_index(batch_op.f('ix_feedback_post_outbox_id'))
        batch_op.drop_index(batch_op.f('ix_feedback_post_item_id'))

    op.drop_table('feedback_post')
    op.drop_table('feedback_route')
    with op.batch_alter_table('feedback_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_item_received_at'))
        batch_op.drop_index('ix_feedback_item_originals')
        batch_op.drop_index(batch_op.f('ix_feedback_item_created_at'))
        batch_op.drop_index(batch_op.f('ix_feedback_item_account_key'))

    op.drop_table('feedback_item')
    op.drop_table('feedback_digest')
    with op.batch_alter_table('feedback_adoption', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_adoption_account_key'))

    op.drop_table('feedback_adoption')
