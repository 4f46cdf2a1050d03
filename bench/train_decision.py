"""Fit the answer decision (knowledge/decision.py): a logistic regression over the ranking's evidence.

Run: python bench/train_decision.py [--l2 1.0]

Trains on generated questions over the three corpora (bench/make_dev_set.py, seed 1) and the gold set, each
corpus and each side (answerable, unanswerable) weighing the same, so no corpus and no side dominates. An
answerable question counts only when a right page is among the top 5 (answering it otherwise is wrong anyway).
Prints the WEIGHTS and BIAS lines to paste into knowledge/decision.py, the bars it suggests, and the figures on
the training questions and on generated seed 2, knowledge_heldout and knowledge_final (never fitted on).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from answers import CORPUS_ROOTS, ROOT, TODAY, load_chunks
from make_dev_set import make

from knowledge.decision import FEATURES, probability
from knowledge.index import LexicalIndex
from knowledge.retrieve import Retriever

DATA = ROOT / "tests" / "data"
# Share of the training's answerable questions (with a right page in the top 5) that must reach an LLM.
REACH = 0.99


def _right(sources: Sequence[str], relevant: Sequence[str]) -> bool:
    names = set(relevant)
    return any(s in names or Path(s).name in names for s in sources)


def rows(questions: list[dict[str, Any]], retrievers: dict[str, Retriever]) -> list[dict[str, Any]]:
    """Each question's evidence, label (None: answerable but no right page in the top 5) and corpus."""
    out = []
    for g in questions:
        corpus = str(g.get("corpus", "plausible"))
        result = retrievers[corpus].retrieve(g["question"], 5, today=TODAY)
        right = bool(g["relevant"]) and _right([h.chunk.source for h in result.hits], g["relevant"])
        label = (1 if right else None) if g["relevant"] else 0
        out.append(
            {"evidence": result.evidence, "label": label, "corpus": corpus, "answerable": bool(g["relevant"])}
        )
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


def measure(
    data: list[dict[str, Any]], weights: Sequence[float], bias: float, bar: float, floor: float
) -> str:
    """Answered with a right page, unanswerable declined and LLM reach at the bars, per corpus."""
    parts = []
    for corpus in sorted({r["corpus"] for r in data}):
        mine = [r for r in data if r["corpus"] == corpus]
        ans = [r for r in mine if r["answerable"]]
        unans = [r for r in mine if not r["answerable"]]
        p = [probability(r["evidence"], weights, bias) for r in mine]
        by = dict(zip(map(id, mine), p, strict=True))
        right = sum(r["label"] == 1 and by[id(r)] >= bar for r in ans) / max(1, len(ans))
        reach = sum(by[id(r)] >= floor for r in ans) / max(1, len(ans))
        declined = sum(by[id(r)] < bar for r in unans) / max(1, len(unans))
        parts.append(
            f"{corpus}: answered+right {right:.3f} declined {declined:.3f} reach {reach:.3f} (n {len(ans)}/{len(unans)})"
        )
    return "; ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--l2", type=float, default=1.0)
    args = parser.parse_args()
    retrievers = {
        name: Retriever(LexicalIndex.build(load_chunks(root))) for name, root in CORPUS_ROOTS.items()
    }
    gold = [
        json.loads(line) for line in (DATA / "knowledge_gold.jsonl").read_text().splitlines() if line.strip()
    ]
    train = rows(make(1) + gold, retrievers)
    usable = [r for r in train if r["label"] is not None and r["evidence"] is not None]
    x = np.array([r["evidence"].values() for r in usable], dtype=np.float64)
    y = np.array([r["label"] for r in usable], dtype=np.float64)
    groups: dict[tuple[str, float], int] = {}
    for r in usable:
        groups[(r["corpus"], r["label"])] = groups.get((r["corpus"], r["label"]), 0) + 1
    w = np.array([len(usable) / (len(groups) * groups[(r["corpus"], r["label"])]) for r in usable])
    beta = fit(x, y, w, args.l2)
    weights, bias = [float(b) for b in beta[:-1]], float(beta[-1])
    positive = sorted(probability(r["evidence"], weights, bias) for r in usable if r["label"] == 1)
    floor = positive[int((1 - REACH) * len(positive))]
    print("WEIGHTS = (" + ", ".join(f"{v:.3f}" for v in weights) + ")  # " + ", ".join(FEATURES))
    print(f"BIAS = {bias:.3f}")
    print(f"suggested related floor (reach {REACH} of training answerable): {floor:.3f}\n")
    bar = 0.5
    print("train (generated seed 1 + gold):", measure(train, weights, bias, bar, floor))
    print("generated seed 2:", measure(rows(make(2), retrievers), weights, bias, bar, floor))
    for name in ("knowledge_gold", "knowledge_heldout", "knowledge_final"):
        lines = [
            json.loads(line) for line in (DATA / f"{name}.jsonl").read_text().splitlines() if line.strip()
        ]
        print(f"{name}:", measure(rows(lines, retrievers), weights, bias, bar, floor))


if __name__ == "__main__":
    main()
