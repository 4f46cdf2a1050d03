"""questions and expert loop tables

Revision ID: 0005_answers
Revises: 0004_pulse
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.db.columns

revision: str = "0005_answers"
down_revision: str | None = "0004_pulse"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('answers_question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('asker', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('asker_ref', sa.Text(), nullable=False),
    sa.Column('conversation', sa.Text(), nullable=False),
    sa.Column('conversation_key', sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False),
    sa.Column('thread', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('answered', sa.Boolean(), nullable=False),
    sa.Column('chunk_keys', sa.Text(), nullable=False),
    sa.Column('helpful', sa.Integer(), nullable=False),
    sa.Column('unhelpful', sa.Integer(), nullable=False),
    sa.Column('escalated', sa.Boolean(), nullable=False),
    sa.Column('escalation_outbox_id', sa.Integer(), nullable=True),
    sa.Column('expert_channel', sqlmodel.sql.sqltypes.AutoString(length=400), nullable=True),
    sa.Column('expert_thread', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.Column('resolved_by', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('faq_source', sqlmodel.sql.sqltypes.AutoString(length=1024), nullable=True),
    sa.Column('created_at', bot.db.columns.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('answers_question', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_answers_question_created_at'), ['created_at'], unique=False)
        batch_op.create_index(
            batch_op.f('ix_answers_question_escalation_outbox_id'), ['escalation_outbox_id'], unique=False
        )
        batch_op.create_index(batch_op.f('ix_answers_question_expert_thread'), ['expert_thread'], unique=False)
        batch_op.create_index('ix_answers_question_thread', ['conversation_key', 'thread'], unique=False)

    op.create_table('answers_expert_reply',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('expert', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('expert_name', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('saved', sa.Boolean(), nullable=False),
    sa.Column('created_at', bot.db.columns.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['answers_question.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('answers_expert_reply', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_answers_expert_reply_question_id'), ['question_id'], unique=False
        )

    op.create_table('answers_vote',
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('voter', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('helpful', sa.Boolean(), nullable=False),
    sa.Column('created_at', bot.db.columns.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['answers_question.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('question_id', 'voter')
    )


def downgrade() -> None:
    op.drop_table('answers_vote')
    with op.batch_alter_table('answers_expert_reply', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_answers_expert_reply_question_id'))

    op.drop_table('answers_expert_reply')
    with op.batch_alter_table('answers_question', schema=None) as batch_op:
        batch_op.drop_index('ix_answers_question_thread')
        batch_op.drop_index(batch_op.f('ix_answers_question_expert_thread'))
        batch_op.drop_index(batch_op.f('ix_answers_question_escalation_outbox_id'))
        batch_op.drop_index(batch_op.f('ix_answers_question_created_at'))

    op.drop_table('answers_question')
