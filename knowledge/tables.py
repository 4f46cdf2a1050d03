"""The knowledge store's tables: documents, their chunks, votes per chunk, and chunk vectors."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, Integer, LargeBinary, Text
from sqlmodel import Field, SQLModel

from bot.db.models import utc_column


class KnowledgeDocument(SQLModel, table=True):
    """One ingested file (or FAQ entry set), identified by its source path or URL."""

    __tablename__ = "knowledge_document"

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=1024, unique=True)
    title: str = Field(sa_column=Column(Text, nullable=False))
    kind: str = Field(max_length=16)  # doc, faq, calendar
    content_hash: str = Field(max_length=64)
    owner: str | None = Field(default=None, max_length=255)
    verified_on: date | None = None
    review_days: int | None = None
    url: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    ingested_at: datetime = Field(sa_column=utc_column())
    # The folder it was ingested from (absolute): --prune drops only the given folders' documents, and another
    # folder's file of the same name is not taken for it. None for entries saved from chat, and for documents
    # ingested before roots were kept (until they are ingested again).
    root: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class KnowledgeChunk(SQLModel, table=True):
    """A passage of a document; removed with its document."""

    __tablename__ = "knowledge_chunk"

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("knowledge_document.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    position: int
    chunk_key: str = Field(max_length=1100, index=True)
    heading_path: str = Field(default="[]", sa_column=Column(Text, nullable=False))  # JSON list of headings
    text: str = Field(sa_column=Column(Text, nullable=False))


class ChunkVote(SQLModel, table=True):
    """Net helpful minus unhelpful votes for a chunk key (kept across re-ingests of the same file)."""

    __tablename__ = "knowledge_chunk_vote"

    chunk_key: str = Field(primary_key=True, max_length=1100)
    votes: int = 0


class ChunkVector(SQLModel, table=True):
    """A chunk's embedding under one model, with a fingerprint of the text it was made from."""

    __tablename__ = "knowledge_chunk_vector"

    chunk_key: str = Field(primary_key=True, max_length=1100)
    model: str = Field(primary_key=True, max_length=255)
    text_hash: str = Field(max_length=64)
    vector: bytes = Field(sa_column=Column(LargeBinary, nullable=False))  # unit length, little-endian float32
