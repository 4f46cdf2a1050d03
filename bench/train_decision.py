"""Fit the answer decision (knowledge/decision.py): a logistic regression over the ranking's evidence.

Run: python bench/train_decision.py [--l2 1.0] [--folds 5] [--embeddings-url URL [--embeddings-model NAME]]

Trains on the chat-style development sets written by people (bench/data/dev_chat_*.jsonl), the gold set and
generated questions over the three corpora (bench/make_dev_set.py, seed 1). Each corpus and each side
(answerable, unanswerable) of the written sets weighs the same, so no corpus and no side dominates; the
generated questions, bags of the docs' own words, weigh GENERATED_SHARE of the whole, so they do not teach
the model that every question is worded like its page. An answerable question counts only when a right page
is among the top 5 (answering it otherwise is wrong anyway).

Prints the WEIGHTS and BIAS lines to paste into knowledge/decision.py, the LLM floor it suggests, and
cross-validated figures per set and corpus: each written set measured by a model fitted without it, and a
k-fold over all written questions, the previous decision (bench/previous_decision.py), the weights in
knowledge/decision.py now and the refit, in that order, in the same run (the weights now were fitted on some of
the written sets, so on those theirs are not cross-validated figures). With --embeddings-url
(bench/embeddings_server.py) it also fits the dense weight set (DENSE_WEIGHTS: the same features and the
question's highest cosine with a chunk, on the hybrid ranking) and prints its figures beside the lexical
decision's, from the same folds.
The blind sets in tests/data (knowledge_chat_*, knowledge_heldout, knowledge_final, knowledge_fourth) are never
read here.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from answers import (
    CORPUS_ROOTS,
    DEFAULT_EMBEDDINGS_MODEL,
    ROOT,
    TODAY,
    hybrid_inputs,
    load_chunks,
)
from make_dev_set import make
from previous_decision import BAR as PREVIOUS_BAR
from previous_decision import FLOOR as PREVIOUS_FLOOR
from previous_decision import probability as previous_probability

from adapters.embeddings import OpenAIEmbedder
from knowledge.decision import (
    BIAS,
    DENSE_BIAS,
    DENSE_FEATURES,
    DENSE_WEIGHTS,
    FEATURES,
    WEIGHTS,
    Evidence,
    probability,
)
from knowledge.index import LexicalIndex
from knowledge.retrieve import MIN_CONFIDENCE, RELATED_CONFIDENCE, Retriever

GOLD = ROOT / "tests" / "data" / "knowledge_gold.jsonl"
WRITTEN = ROOT / "bench" / "data"
# Share of the training weight the generated questions carry; the written ones share the rest.
GENERATED_SHARE = 0.25
# Share of the written sets' answerable questions (with a right page in the top 5) that must reach an LLM.
REACH = 0.99
# LLM floors whose reach the cross-validation prints.
FLOORS = (0.01, 0.02, 0.03, 0.05, 0.1)


@dataclass(frozen=True)
class Row:
    """One question as the decision sees it."""

    source: str
    corpus: str
    answerable: bool
    right: bool
    evidence: Evidence | None
    newest: bool
    # The previous decision's probability (1 for a "what's new?" question, answered from the newest entries).
    previous: float

    @property
    def label(self) -> int | None:
        """1: answer it (a right page is in the top 5), 0: decline, None: answerable but not findable."""
        if not self.answerable:
            return 0
        return 1 if self.right else None


def _right(sources: Sequence[str], relevant: Sequence[str]) -> bool:
    names = set(relevant)
    return any(s in names or Path(s).name in names for s in sources)


def read_set(path: Path) -> list[dict[str, Any]]:
    """The JSONL lines of a question set."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def rows(
    source: str,
    questions: list[dict[str, Any]],
    retrievers: dict[str, Retriever],
    vectors: dict[str, list[float]] | None = None,
) -> list[Row]:
    """Each question's evidence and whether a right page is in the top 5 (hybrid, given the questions' vectors)."""
    out = []
    for g in questions:
        corpus = str(g.get("corpus", "plausible"))
        vector = vectors.get(g["question"]) if vectors is not None else None
        result = retrievers[corpus].retrieve(g["question"], 5, today=TODAY, query_vector=vector)
        right = bool(g["relevant"]) and _right([h.chunk.source for h in result.hits], g["relevant"])
        previous = 1.0 if result.newest else previous_probability(retrievers[corpus].index, g["question"])
        out.append(Row(source, corpus, bool(g["relevant"]), right, result.evidence, result.newest, previous))
    return out


def fit(
    x: npt.NDArray[np.float64], y: npt.NDArray[np.float64], w: npt.NDArray[np.float64], l2: float
) -> npt.NDArray[np.float64]:
    """Weighted L2-regularised logistic regression by Newton's method; the last coefficient is the bias."""
    xb = np.hstack([x, np.ones((len(x), 1))])
    beta = np.zeros(xb.shape[1])
    penalty = np.eye(xb.shape[1]) * l2
    penalty[-1, -1] = 0.0
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-(xb @ beta)))
        gradient = xb.T @ (w * (p - y)) + penalty @ beta
        hessian = xb.T @ (xb * (w * p * (1 - p))[:, None]) + penalty
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return beta


def train(
    data: Sequence[Row], l2: float, generated_weight: float = GENERATED_SHARE
) -> tuple[list[float], float]:
    """Weights and bias fitted on the rows, balanced as the module says."""
    usable = [r for r in data if r.label is not None and r.evidence is not None and not r.newest]
    generated = [r.source.startswith("generated") for r in usable]
    groups: dict[tuple[bool, str, int | None], int] = {}
    for r, made in zip(usable, generated, strict=True):
        groups[(made, r.corpus, r.label)] = groups.get((made, r.corpus, r.label), 0) + 1
    both = any(generated) and not all(generated)
    generated_share = generated_weight if both else float(all(generated))
    share = {True: generated_share, False: 1.0 - generated_share}
    kinds = {made: sum(1 for key in groups if key[0] == made) for made in (True, False)}
    w = np.array(
        [
            share[made] / (kinds[made] * groups[(made, r.corpus, r.label)])
            for r, made in zip(usable, generated, strict=True)
        ]
    )
    x = np.array([r.evidence.values() for r in usable if r.evidence is not None], dtype=np.float64)
    y = np.array([float(r.label or 0) for r in usable])
    beta = fit(x, y, w * len(usable), l2)
    return [float(b) for b in beta[:-1]], float(beta[-1])


def decide(r: Row, weights: Sequence[float], bias: float) -> float:
    """The model's probability for a row (a "what's new?" question is answered from the newest entries)."""
    return 1.0 if r.newest else probability(r.evidence, weights, bias)


def figures(
    data: Sequence[Row], p: Sequence[float], bar: float, floor: float
) -> dict[str, tuple[float, ...]]:
    """Per corpus: answered with a right page, unanswerable declined, LLM reach, and the counts."""
    out: dict[str, tuple[float, ...]] = {}
    for corpus in sorted({r.corpus for r in data}):
        mine = [(r, q) for r, q in zip(data, p, strict=True) if r.corpus == corpus]
        ans = [(r, q) for r, q in mine if r.answerable]
        unans = [q for r, q in mine if not r.answerable]
        out[corpus] = (
            sum(r.right and q >= bar for r, q in ans) / max(1, len(ans)),
            sum(q < bar for q in unans) / max(1, len(unans)),
            sum(q >= floor for _, q in ans) / max(1, len(ans)),
            float(len(ans)),
            float(len(unans)),
        )
    return out


# One column of a report: the rows as ranked, each one's probability, the bar to answer and the LLM floor.
Column = tuple[Sequence[Row], Sequence[float], float, float]


def previous_column(data: Sequence[Row]) -> Column:
    """The previous decision's column over the rows."""
    return data, [r.previous for r in data], PREVIOUS_BAR, PREVIOUS_FLOOR


def report(name: str, columns: Sequence[Column]) -> None:
    """One line per corpus: answered+right, declined, reach, each as its columns' figures (a → b → …)."""
    measured = [figures(data, p, bar, floor) for data, p, bar, floor in columns]
    for corpus, (_, _, _, n_ans, n_unans) in measured[0].items():
        cells = ["  " + " → ".join(f"{m[corpus][i]:.3f}" for m in measured) for i in range(3)]
        print(f"  {name:<24}{corpus:<12}{int(n_ans):>5}{int(n_unans):>6} " + "".join(cells))


@dataclass(frozen=True)
class Decision:
    """One weight set and the rows it is fitted and measured on (the ranking it decides on)."""

    name: str
    features: tuple[str, ...]
    written_sets: dict[str, list[Row]]
    generated: list[Row]
    unseen: list[Row]
    in_code: tuple[tuple[float, ...], float]

    @property
    def written(self) -> list[Row]:
        """The written sets' rows, in one list (the same order for every decision)."""
        return [r for data in self.written_sets.values() for r in data]

    def all_sets(self) -> dict[str, list[Row]]:
        """Every set's rows by name: the written sets, then the generated ones."""
        return {**self.written_sets, "generated seed 1": self.generated, "generated seed 2": self.unseen}


def evaluate(decision: Decision, args: argparse.Namespace) -> dict[str, Any]:
    """Fits the decision on all its rows, prints its weights, and returns its cross-validated probabilities."""
    written = decision.written
    weights, bias = train([*written, *decision.generated], args.l2, args.generated_share)
    positive = sorted(decide(r, weights, bias) for r in written if r.label == 1)
    floor = positive[int((1 - REACH) * len(positive))]
    prefix = "DENSE_" if decision.features == DENSE_FEATURES else ""
    same = (tuple(round(w, 3) for w in weights), round(bias, 3)) == decision.in_code
    print(f"{decision.name} decision:")
    print(
        f"{prefix}WEIGHTS = ("
        + ", ".join(f"{v:.3f}" for v in weights)
        + ")  # "
        + ", ".join(decision.features)
    )
    print(f"{prefix}BIAS = {bias:.3f}")
    print(f"suggested LLM floor (reach {REACH} of the written sets' answerable): {floor:.3f}")
    print(f"in knowledge/decision.py now: {'the same' if same else 'different'}\n")
    by_set: dict[str, list[float]] = {}
    for name, data in decision.written_sets.items():
        others = [r for other, d in decision.written_sets.items() if other != name for r in d]
        w, b = train([*others, *decision.generated], args.l2, args.generated_share)
        by_set[name] = [decide(r, w, b) for r in data]
    order = list(range(len(written)))
    random.Random(1).shuffle(order)
    folds = [0.0] * len(written)
    for fold in range(args.folds):
        held = set(order[fold :: args.folds])
        w, b = train(
            [*(r for i, r in enumerate(written) if i not in held), *decision.generated],
            args.l2,
            args.generated_share,
        )
        for i in held:
            folds[i] = decide(written[i], w, b)
    fitted = {name: [decide(r, weights, bias) for r in data] for name, data in decision.all_sets().items()}
    # The weights in knowledge/decision.py now, on the same rows: the bar a refit is judged against (they were
    # fitted on some of the written sets, so on those their figures are not cross-validated).
    current = {
        name: [decide(r, *decision.in_code) for r in data] for name, data in decision.all_sets().items()
    }
    return {"by_set": by_set, "folds": folds, "fitted": fitted, "current": current}


def floors_line(decision: Decision, folds: Sequence[float], label: str = "") -> str:
    """Share of answerable / unanswerable written questions that reach the model at each floor (cross-validated)."""
    answerable = [q for r, q in zip(decision.written, folds, strict=True) if r.answerable]
    unanswerable = [q for r, q in zip(decision.written, folds, strict=True) if not r.answerable]
    return f"  LLM floor, {decision.name} {label}: " + ", ".join(
        f"{floor:.2f} {sum(q >= floor for q in answerable) / len(answerable):.3f}"
        f" / {sum(q >= floor for q in unanswerable) / len(unanswerable):.3f}"
        for floor in FLOORS
    )


def decisions(args: argparse.Namespace) -> list[Decision]:
    """The lexical decision's rows, and with an embeddings endpoint the dense decision's (hybrid ranking)."""
    retrievers = {
        name: Retriever(LexicalIndex.build(load_chunks(root))) for name, root in CORPUS_ROOTS.items()
    }
    questions = {path.stem: read_set(path) for path in sorted(WRITTEN.glob("dev_chat_*.jsonl"))}
    questions["knowledge_gold"] = read_set(GOLD)
    generated, unseen = make(1), make(2)

    def decision(
        name: str,
        features: tuple[str, ...],
        by_corpus: dict[str, Retriever],
        vectors: dict[str, list[float]] | None,
        in_code: tuple[tuple[float, ...], float],
    ) -> Decision:
        return Decision(
            name,
            features,
            {stem: rows(stem, lines, by_corpus, vectors) for stem, lines in questions.items()},
            rows("generated seed 1", generated, by_corpus, vectors),
            rows("generated seed 2", unseen, by_corpus, vectors),
            in_code,
        )

    out = [decision("lexical", FEATURES, retrievers, None, (WEIGHTS, BIAS))]
    if args.embeddings_url:
        endpoint = OpenAIEmbedder(model=args.embeddings_model, api_key=None, base_url=args.embeddings_url)
        corpora = {name: list(retriever.index.chunks) for name, retriever in retrievers.items()}
        texts = [g["question"] for lines in [*questions.values(), generated, unseen] for g in lines]
        hybrid, vectors = asyncio.run(hybrid_inputs(endpoint, corpora, texts))
        out.append(decision("dense", DENSE_FEATURES, hybrid, vectors, (DENSE_WEIGHTS, DENSE_BIAS)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--l2", type=float, default=1.0)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--generated-share", type=float, default=GENERATED_SHARE)
    parser.add_argument(
        "--embeddings-url", help="an OpenAI-compatible /v1 base URL: fits the dense weight set too"
    )
    parser.add_argument("--embeddings-model", default=DEFAULT_EMBEDDINGS_MODEL)
    args = parser.parse_args()
    fitted = decisions(args)
    results = [evaluate(d, args) for d in fitted]
    lexical = fitted[0]
    names = " → ".join(["previous", *(f"{d.name} in code → {d.name} refit" for d in fitted)])
    print(f"  {'measured on':<24}{'corpus':<12}{'ans':>5}{'unans':>6}   answered+right, declined, LLM reach")
    print(f"cross-validated, each written set by a model fitted without it ({names}):")
    for name, data in lexical.written_sets.items():
        columns = [previous_column(data)]
        for d, r in zip(fitted, results, strict=True):
            columns += [
                (d.written_sets[name], r["current"][name], MIN_CONFIDENCE, RELATED_CONFIDENCE),
                (d.written_sets[name], r["by_set"][name], MIN_CONFIDENCE, RELATED_CONFIDENCE),
            ]
        report(name, columns)
    print(f"cross-validated, {args.folds}-fold over the written questions ({names}):")
    columns = [previous_column(lexical.written)]
    for d, r in zip(fitted, results, strict=True):
        current = [q for name in d.written_sets for q in r["current"][name]]
        columns += [
            (d.written, current, MIN_CONFIDENCE, RELATED_CONFIDENCE),
            (d.written, r["folds"], MIN_CONFIDENCE, RELATED_CONFIDENCE),
        ]
    report("all written", columns)
    for d, r in zip(fitted, results, strict=True):
        current = [q for name in d.written_sets for q in r["current"][name]]
        print(floors_line(d, current, "in code"))
        print(floors_line(d, r["folds"], "refit"))
    print(f"fitted on ({names}):")
    for name, data in lexical.all_sets().items():
        columns = [previous_column(data)]
        for d, r in zip(fitted, results, strict=True):
            columns += [
                (d.all_sets()[name], r["current"][name], MIN_CONFIDENCE, RELATED_CONFIDENCE),
                (d.all_sets()[name], r["fitted"][name], MIN_CONFIDENCE, RELATED_CONFIDENCE),
            ]
        report(name, columns)


if __name__ == "__main__":
    main()
