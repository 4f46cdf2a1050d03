"""How many runs of a recurring pulse the cross-run rules show, on a year of weekly runs to a changing team.

A team of SIZE people, CHURN leaving (anyone) and CHURN joining each week, one run a week for 52 weeks. Each
run is judged as `overlap.History` judges a run's total: hidden when its audience differs from an earlier
shown result by 1 to threshold-1 people (the pair rule), else audited together with every earlier shown result
(`audit_audiences`). Printed per team: runs shown, hidden by the pair rule, hidden by the audit as unsafe, and
hidden because the audit gave up ("unknown"), with the slowest audit; beside the audit before this one (a
depth-first walk over every set of small atoms, 500 rank tests), kept here as the anchor.

    python bench/pulse_overlap.py [--weeks 52] [--seed 1]
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable, Sequence

import numpy as np

from bot.features.pulse.suppression import Verdict, audit_audiences

THRESHOLD = 5
TEAMS = ((10, 1), (30, 1), (30, 2), (100, 1), (100, 2), (100, 5), (500, 2), (500, 5))

Audit = Callable[[Sequence[frozenset[str]], int], Verdict]


def walk_of_small_sets(audiences: Sequence[frozenset[str]], threshold: int) -> Verdict:
    """The audit before the current one: every maximal set of small atoms, rank-tested, within 500 tests."""
    people = sorted(set().union(*audiences))
    atoms: dict[tuple[int, ...], int] = {}
    for person in people:
        pattern = tuple(int(person in audience) for audience in audiences)
        atoms[pattern] = atoms.get(pattern, 0) + 1
    keys = list(atoms)
    small = [index for index, key in enumerate(keys) if atoms[key] < threshold]
    if not small:
        return "safe"
    full = _rank([list(key) for key in keys])
    budget = [500]

    def reveals(chosen: list[int], ballots: int, start: int) -> bool:
        for position in range(start, len(small)):
            index = small[position]
            if ballots + atoms[keys[index]] < threshold and reveals(
                [*chosen, index], ballots + atoms[keys[index]], position + 1
            ):
                return True
        addable = any(i not in chosen and ballots + atoms[keys[i]] < threshold for i in small)
        if not chosen or addable:
            return False
        budget[0] -= 1
        if budget[0] < 0:
            return True
        return _rank([list(key) for index, key in enumerate(keys) if index not in chosen]) < full

    if not reveals([], 0, 0):
        return "safe"
    return "unknown" if budget[0] < 0 else "unsafe"


def _rank(vectors: list[list[int]]) -> int:
    return int(np.linalg.matrix_rank(np.array(vectors, dtype=float))) if vectors else 0


def year(size: int, churn: int, audit: Audit, weeks: int, seed: int) -> tuple[dict[str, int], float, float]:
    """Outcomes of a year of weekly runs to one changing team; the slowest audit and all of them, in seconds
    (showing the last run works out every earlier one's view too, so a request pays about the total)."""
    chance = random.Random(seed)
    team = [f"p{index}" for index in range(size)]
    joined = size
    shown: list[frozenset[str]] = []
    outcomes = {"shown": 0, "pair rule": 0, "unsafe": 0, "gave up": 0}
    slowest = total = 0.0
    for week in range(weeks):
        if week:
            team = chance.sample(team, len(team) - churn) + [f"p{joined + n}" for n in range(churn)]
            joined += churn
        audience = frozenset(team)
        if any(1 <= len(audience ^ earlier) < THRESHOLD for earlier in shown):
            outcomes["pair rule"] += 1
            continue
        started = time.perf_counter()
        verdict = audit([*shown, audience], THRESHOLD)
        took = time.perf_counter() - started
        slowest, total = max(slowest, took), total + took
        if verdict == "safe":
            outcomes["shown"] += 1
            shown.append(audience)
        else:
            outcomes["gave up" if verdict == "unknown" else "unsafe"] += 1
    return outcomes, slowest, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(
        f"{args.weeks} weekly runs, threshold {THRESHOLD}; shown / pair rule / unsafe / gave up "
        "(slowest audit, all audits)"
    )
    print(f"{'team':>6} {'churn':>5}  {'now':<40} anchor (the audit before)")
    for size, churn in TEAMS:
        cells = []
        for audit in (audit_audiences, walk_of_small_sets):
            outcomes, slowest, total = year(size, churn, audit, args.weeks, args.seed)
            counts = " / ".join(str(count) for count in outcomes.values())
            cells.append(f"{counts} ({slowest * 1000:.0f} ms, {total:.1f} s)")
        print(f"{size:>6} {churn:>5}  {cells[0]:<40} {cells[1]}")


if __name__ == "__main__":
    main()
