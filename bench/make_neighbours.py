"""Make knowledge/english_neighbours.txt: everyday English words and the words nearest them in meaning.

Run (with an embeddings server, e.g. bench/embeddings_server.py serving all-MiniLM-L6-v2):
    python bench/make_neighbours.py [--embeddings-url http://127.0.0.1:8765/v1]

Each of the commonest English words (symspellpy's frequency list, as the decision's rarity reads it) is embedded
alone; its neighbours are the other such words at least --similarity close (cosine), its own inflections left
out (they share its stem, which the index already matches). The knowledge store reads them only for a
question's word that no document has: "mailbox" is then searched and judged through "inbox" and "mail".
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

import numpy as np
import numpy.typing as npt

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapters.embeddings import OpenAIEmbedder  # noqa: E402
from knowledge.neighbours import NEIGHBOURS_FILE  # noqa: E402
from knowledge.spelling import everyday_english  # noqa: E402
from knowledge.text import Tokenizer  # noqa: E402

# Words that stand only for themselves: their nearest embeddings are their siblings ("monday": "tuesday",
# "thirty": "twenty"), never another way to say them.
_EXACT_TEXT = """
    zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen
    seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred hundreds thousand
    thousands million millions billion billions dozen dozens half quarter
    first second third fourth fifth sixth seventh eighth ninth tenth twelfth twentieth hundredth
    once twice thrice single double triple
    monday tuesday wednesday thursday friday saturday sunday mondays tuesdays wednesdays thursdays fridays
    saturdays sundays weekday weekdays weekend weekends
    january february march april may june july august september october november december
    """
EXACT_WORDS = frozenset(_EXACT_TEXT.split())
# Rows of the similarity matrix computed at once: 2,048 x 30,000 floats is about 250 MB.
ROWS_AT_ONCE = 2048
# Candidates read per word before inflections are dropped.
CANDIDATES = 12


def vocabulary(size: int) -> list[str]:
    """The commonest English words of three letters or more, most common first (exact words left out)."""
    return [w for w in everyday_english(size) if w.isalpha() and len(w) > 2 and w not in EXACT_WORDS]


def neighbours(
    words: list[str], vectors: npt.NDArray[np.float32], similarity: float, most: int
) -> dict[str, list[str]]:
    """Each word's closest other words (by cosine, at least `similarity`, at most `most`), one per stem."""
    stem = Tokenizer().stem
    stems = [stem(w) for w in words]
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    found: dict[str, list[str]] = {}
    for start in range(0, len(words), ROWS_AT_ONCE):
        block = unit[start : start + ROWS_AT_ONCE] @ unit.T
        for offset, row in enumerate(block):
            i = start + offset
            closest = np.argpartition(-row, CANDIDATES)[:CANDIDATES]
            closest = closest[np.argsort(-row[closest])]
            kept: list[int] = []
            for j in closest:
                if row[j] < similarity or len(kept) == most:
                    break
                if stems[j] != stems[i] and all(stems[j] != stems[k] for k in kept):
                    kept.append(int(j))
            if kept:
                found[words[i]] = [words[k] for k in kept]
        print(f"  {min(start + ROWS_AT_ONCE, len(words))} of {len(words)} words", file=sys.stderr)
    return found


async def embed(url: str, model: str, words: list[str]) -> npt.NDArray[np.float32]:
    endpoint = OpenAIEmbedder(model=model, api_key="unused", base_url=url, batch_size=512)
    return np.asarray(await endpoint.embed(words), dtype=np.float32)


def word_list_parser(description: str) -> argparse.ArgumentParser:
    """The options of every maker of a word list: the embeddings server, its model, how many words."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--embeddings-url", default="http://127.0.0.1:8765/v1")
    parser.add_argument("--embeddings-model", default="all-MiniLM-L6-v2")
    parser.add_argument("--words", type=int, default=30_000, help="how many of the commonest English words")
    return parser


def embedded(args: argparse.Namespace, words: list[str]) -> npt.NDArray[np.float32]:
    """Each word's vector, from the server the options name."""
    print(f"embedding {len(words)} words with {args.embeddings_model}", file=sys.stderr)
    return asyncio.run(embed(args.embeddings_url, args.embeddings_model, words))


def main() -> None:
    parser = word_list_parser(__doc__.split("\n")[0])
    parser.add_argument("--similarity", type=float, default=0.7, help="the least cosine similarity kept")
    parser.add_argument("--neighbours", type=int, default=5, help="the most neighbours kept per word")
    parser.add_argument("--out", type=Path, default=NEIGHBOURS_FILE)
    args = parser.parse_args()
    words = vocabulary(args.words)
    vectors = embedded(args, words)
    found = neighbours(words, vectors, args.similarity, args.neighbours)
    header = (
        f"# Made by bench/make_neighbours.py: the {args.words:,} commonest English words of symspellpy's\n"
        f"# frequency list (MIT), each with up to {args.neighbours} others at least {args.similarity} similar\n"
        f"# by {args.embeddings_model} (Apache-2.0) embeddings, own inflections left out. A line: a word,\n"
        "# then its neighbours, closest first.\n"
    )
    lines = [" ".join([word, *near]) for word, near in found.items()]
    args.out.write_text(header + "\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines)} words with neighbours written to {args.out}")


if __name__ == "__main__":
    main()
