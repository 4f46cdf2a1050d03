"""Chunk vectors in the database: made for chunks whose current text has none under the model, dropped
with their chunks."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.selectable import Select
from sqlmodel import col

from bot.db.database import Database
from knowledge.dense import Embedder, Vector, embedding_text, text_hash, vector_bytes, vector_from_bytes
from knowledge.documents import Chunk
from knowledge.tables import ChunkVector, KnowledgeChunk

# Texts per embeddings request, and vectors per write: an interrupted run keeps what it made.
EMBED_BATCH = 64
# Up to this many keys are looked up by name; more, and every vector of the model is read instead.
KEYS_PER_LOOKUP = 500

VectorProgress = Callable[[int, int], None]  # (chunks embedded so far, chunks to embed)


class VectorCountMismatch(ValueError):
    """The embeddings endpoint returned another number of vectors than texts it was sent."""


class ChunkVectors:
    """Reads and writes `knowledge_chunk_vector`."""

    def __init__(self, database: Database) -> None:
        self._database = database

    async def _hashes(self, model: str, keys: Sequence[str]) -> dict[str, str]:
        query = select(col(ChunkVector.chunk_key), col(ChunkVector.text_hash)).where(
            col(ChunkVector.model) == model
        )
        if len(keys) <= KEYS_PER_LOOKUP:
            query = query.where(col(ChunkVector.chunk_key).in_(keys))
        async with self._database.session() as session:
            return {key: digest for key, digest in (await session.execute(query)).all()}

    async def make_missing(
        self, embedder: Embedder, chunks: Sequence[Chunk], progress: VectorProgress | None = None
    ) -> int:
        """Embed the chunks without a vector of their current text under the embedder's model; how many.

        Errors of the embedder propagate; the batches written before the error are kept.
        """
        model = embedder.model
        stored = await self._hashes(model, [c.chunk_key for c in chunks])
        todo: list[tuple[str, str, str]] = []
        for chunk in chunks:
            text = embedding_text(chunk)
            digest = text_hash(text)
            if stored.get(chunk.chunk_key) != digest:
                todo.append((chunk.chunk_key, text, digest))
        for start in range(0, len(todo), EMBED_BATCH):
            batch = todo[start : start + EMBED_BATCH]
            vectors = await embedder.embed([text for _, text, _ in batch])
            if len(vectors) != len(batch):
                raise VectorCountMismatch(f"{len(vectors)} vectors for {len(batch)} texts")
            rows: list[dict[str, object]] = [
                {"chunk_key": key, "model": model, "text_hash": digest, "vector": vector_bytes(vector)}
                for (key, _, digest), vector in zip(batch, vectors, strict=True)
            ]
            await self._save(rows)
            if progress is not None:
                progress(start + len(batch), len(todo))
        return len(todo)

    async def _save(self, rows: list[dict[str, object]]) -> None:
        # Another process may embed the same chunk at the same time (an ingest while the bot rebuilds).
        insert = sqlite_insert if self._database.is_sqlite else postgres_insert
        statement = insert(ChunkVector).values(rows)
        statement = statement.on_conflict_do_update(
            index_elements=["chunk_key", "model"],
            set_={"text_hash": statement.excluded.text_hash, "vector": statement.excluded.vector},
        )
        async with self._database.session() as session:
            await session.execute(statement)

    async def load(self, model: str, chunks: Sequence[Chunk]) -> dict[str, Vector]:
        """The model's vectors of the chunks' current texts, by chunk key (stale or absent ones left out)."""
        wanted = {c.chunk_key: text_hash(embedding_text(c)) for c in chunks}
        query = select(ChunkVector).where(col(ChunkVector.model) == model)
        async with self._database.session() as session:
            rows = (await session.execute(query)).scalars().all()
        return {
            row.chunk_key: vector_from_bytes(row.vector)
            for row in rows
            if wanted.get(row.chunk_key) == row.text_hash
        }

    async def drop_orphans(self) -> None:
        """Delete vectors whose chunk is gone (left by a chunk deleted while it was being embedded)."""
        async with self._database.session() as session:
            await session.execute(
                delete(ChunkVector).where(
                    col(ChunkVector.chunk_key).not_in(select(col(KnowledgeChunk.chunk_key)))
                )
            )


async def drop_vectors(session: AsyncSession, chunk_keys: Select[Any], keep: Sequence[str] = ()) -> None:
    """In the caller's transaction, delete every model's vectors of the selected chunk keys except `keep`."""
    statement = delete(ChunkVector).where(col(ChunkVector.chunk_key).in_(chunk_keys))
    if keep:
        statement = statement.where(col(ChunkVector.chunk_key).not_in(keep))
    await session.execute(statement)
