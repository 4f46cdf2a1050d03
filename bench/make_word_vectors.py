"""Make knowledge/word_vectors.npz: a vector of meaning for each of the commonest English words.

Run (with an embeddings server, e.g. bench/embeddings_server.py serving all-MiniLM-L6-v2):
    python bench/make_word_vectors.py [--embeddings-url http://127.0.0.1:8765/v1]

Each word is embedded alone (as bench/make_neighbours.py does), the vectors are cut to their --dims strongest
directions (a truncated SVD keeps their dot products), the direction every word shares is taken out (what the
commonest words' vectors have in common says nothing of any one meaning), and each value is stored as one byte.
The knowledge store reads a question or a passage as the weighted sum of its words' vectors
(knowledge/meaning.py), so no model runs with the bot.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import numpy.typing as npt

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from make_neighbours import embedded, word_list_parser  # noqa: E402

from knowledge.meaning import WORD_VECTORS_FILE  # noqa: E402
from knowledge.spelling import everyday_english  # noqa: E402

# The shared direction is read off this many of the commonest words.
SHARED_FROM = 5000


def vocabulary(size: int) -> list[str]:
    """The commonest English words made of letters, most common first."""
    return [w for w in everyday_english(size) if w.isalpha()]


def reduced(vectors: npt.NDArray[np.float32], dims: int) -> npt.NDArray[np.float32]:
    """The vectors in their `dims` strongest directions, the direction the commonest words share taken out."""
    _, _, directions = np.linalg.svd(vectors, full_matrices=False)
    kept = vectors @ directions[:dims].T
    common = kept[:SHARED_FROM] - kept[:SHARED_FROM].mean(axis=0)
    _, _, shared = np.linalg.svd(common, full_matrices=False)
    first = shared[:1]
    return np.asarray(kept - (kept @ first.T) @ first, dtype=np.float32)


def main() -> None:
    parser = word_list_parser(__doc__.split("\n")[0])
    parser.add_argument("--dims", type=int, default=192, help="how many directions each vector keeps")
    parser.add_argument("--out", type=Path, default=WORD_VECTORS_FILE)
    args = parser.parse_args()
    words = vocabulary(args.words)
    vectors = reduced(embedded(args, words), args.dims)
    scale = float(np.abs(vectors).max()) / 127.0
    quantised = np.round(vectors / scale).astype(np.int8)
    np.savez_compressed(
        args.out,
        words=np.array(words),
        vectors=quantised,
        scale=np.float32(scale),
        source=np.array(
            f"{args.embeddings_model} (Apache-2.0) embeddings of single words of symspellpy's frequency list"
            f" (MIT), {args.dims} directions, made by bench/make_word_vectors.py"
        ),
    )
    print(f"{len(words)} words x {args.dims} written to {args.out} ({args.out.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
