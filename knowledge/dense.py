"""Dense retrieval: chunk vectors from an embeddings endpoint, searched by cosine similarity in memory."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

from knowledge.documents import Chunk

Vector = npt.NDArray[np.float32]
# Stored vectors are little-endian float32 whatever the machine, so a database can move between hosts.
STORED_DTYPE = np.dtype("<f4")


class Embedder(Protocol):
    """Turns texts into vectors with one model (an OpenAI-compatible embeddings endpoint)."""

    @property
    def model(self) -> str:
        """The model's name: vectors are stored under it, so a new model means new vectors."""
        ...

    async def embed(self, texts: list[str]) -> list[list[float]]:
        """One vector per text, in order."""
        ...


def embedding_text(chunk: Chunk) -> str:
    """What a chunk is embedded as: its title path, then its text."""
    return f"{chunk.title_path}\n{chunk.text}"


def text_hash(text: str) -> str:
    """Fingerprint of an embedded text: a stored vector is reused only while its text is unchanged."""
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()


def normalised(vector: Sequence[float] | Vector) -> Vector:
    """The vector scaled to unit length (a zero vector stays zero), as float32."""
    array = np.asarray(vector, dtype=np.float32).reshape(-1)
    norm = float(np.linalg.norm(array))
    return array / norm if norm > 0 else array


def vector_bytes(vector: Sequence[float] | Vector) -> bytes:
    """The unit-length vector as stored: little-endian float32 bytes."""
    return normalised(vector).astype(STORED_DTYPE).tobytes()


def vector_from_bytes(data: bytes) -> Vector:
    """A stored vector back as a float32 array."""
    return np.frombuffer(data, dtype=STORED_DTYPE).astype(np.float32)


class DenseIndex:
    """Unit-length chunk vectors in one float32 matrix; a query is one matrix-vector product.

    Rows follow the chunk list the index was built from (the lexical index's), so a hit names a chunk by
    its position there. Chunks without a vector are simply not in the matrix.
    """

    def __init__(self, chunks: Sequence[Chunk], vectors: Mapping[str, Vector]) -> None:
        found = [(i, vectors[c.chunk_key]) for i, c in enumerate(chunks) if c.chunk_key in vectors]
        # Vectors of another width (an endpoint that changed models under one name) cannot be compared.
        width = Counter(len(v) for _, v in found).most_common(1)[0][0] if found else 0
        rows = [(i, v) for i, v in found if len(v) == width and width > 0]
        self.positions = np.asarray([i for i, _ in rows], dtype=np.int64)
        self.matrix: Vector = (
            np.vstack([normalised(v) for _, v in rows]).astype(np.float32)
            if rows
            else np.zeros((0, 0), dtype=np.float32)
        )
        self.size = len(chunks)
        self.missing = len(chunks) - len(rows)

    def __len__(self) -> int:
        return len(self.positions)

    @property
    def width(self) -> int:
        """How many numbers each vector has (0 when the index is empty)."""
        return int(self.matrix.shape[1]) if len(self) else 0

    def similarities(self, query: Sequence[float] | Vector) -> Vector | None:
        """Cosine similarity of the query to every chunk, by position (NaN for chunks without a vector).

        None when the query cannot be compared: the index is empty, or the vector has another width.
        """
        q = normalised(query)
        if not len(self) or len(q) != self.width or not q.any():
            return None
        full = np.full(self.size, np.nan, dtype=np.float32)
        full[self.positions] = self.matrix @ q
        return full

    def search(self, query: Sequence[float] | Vector, k: int = 10) -> list[tuple[int, float]]:
        """(chunk position, cosine similarity) of the k chunks most similar to the query, best first."""
        similarities = self.similarities(query)
        if similarities is None or k <= 0:
            return []
        return [(p, float(similarities[p])) for p in most_similar(similarities, k)]


def most_similar(similarities: Vector, k: int) -> list[int]:
    """Positions of the k highest similarities, best first, skipping chunks without a vector."""
    known = np.flatnonzero(~np.isnan(similarities))
    top = min(k, len(known))
    if top <= 0:
        return []
    values = similarities[known]
    candidates = np.argpartition(-values, top - 1)[:top]
    return [int(known[i]) for i in sorted(candidates, key=lambda i: (-values[i], int(known[i])))]
