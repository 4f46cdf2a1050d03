"""chunk vectors for dense retrieval

Revision ID: 0006_embeddings
Revises: 0005_answers
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0006_embeddings"
down_revision: str | None = "0005_answers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('knowledge_chunk_vector',
    sa.Column('chunk_key', sqlmodel.sql.sqltypes.AutoString(length=1100), nullable=False),
    sa.Column('model', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('text_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('vector', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('chunk_key', 'model')
    )


def downgrade() -> None:
    op.drop_table('knowledge_chunk_vector')
