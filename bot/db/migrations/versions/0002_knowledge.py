"""knowledge store tables

Revision ID: 0002_knowledge
Revises: 0001_core
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.db.columns

revision: str = "0002_knowledge"
down_revision: str | None = "0001_core"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('knowledge_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=1024), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('content_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('owner', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.Column('verified_on', sa.Date(), nullable=True),
    sa.Column('review_days', sa.Integer(), nullable=True),
    sa.Column('url', sa.Text(), nullable=True),
    sa.Column('ingested_at', bot.db.columns.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('source')
    )
    op.create_table('knowledge_chunk',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('chunk_key', sqlmodel.sql.sqltypes.AutoString(length=1100), nullable=False),
    sa.Column('heading_path', sa.Text(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['knowledge_document.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('knowledge_chunk', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_knowledge_chunk_chunk_key'), ['chunk_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_knowledge_chunk_document_id'), ['document_id'], unique=False)

    op.create_table('knowledge_chunk_vote',
    sa.Column('chunk_key', sqlmodel.sql.sqltypes.AutoString(length=1100), nullable=False),
    sa.Column('votes', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('chunk_key')
    )


def downgrade() -> None:
    op.drop_table('knowledge_chunk_vote')
    with op.batch_alter_table('knowledge_chunk', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_knowledge_chunk_document_id'))
        batch_op.drop_index(batch_op.f('ix_knowledge_chunk_chunk_key'))

    op.drop_table('knowledge_chunk')
    op.drop_table('knowledge_document')
