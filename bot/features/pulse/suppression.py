"""Cuts of pulse results by segment (team or channel) that cannot be undone by subtraction.

Every published number is a sum over ballots, so a publication is a set of linear "cells": each visible
segment, and the total. A reader can add and subtract cells (also cells of an earlier publication of
the same ballots), so the question is whether some combination isolates fewer than `threshold`
ballots. Ballots are grouped into atoms (a segment's ballots already counted in the earlier
publication, and those counted since); a combination whose support is a set S of atoms exists iff
dropping S's columns lowers the rank of the cell matrix. The audit searches for such an S holding fewer
than `threshold` ballots (`_CellSpace`).

Suppression is primary (a segment below the threshold is hidden) and then complementary: while the
audit fails, the smallest visible segment is hidden too, and as a last resort the total. So a single
hidden segment is never left to be recovered as total minus the rest, and a segment or total that grew
by fewer than `threshold` ballots since the earlier publication is not shown again. Response counts
are published for every segment, so they are not what is protected; the answers are.

Runs of a recurring pulse share no ballots, so only pass `previous` for an earlier publication whose
ballots are a subset of the current ones (results shown before close, or cumulative figures).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np

from bot.features.pulse.questions import AnswerValue, PulseKind
from bot.features.pulse.results import (
    DEFAULT_THRESHOLD,
    PulseId,
    PulseResults,
    effective_threshold,
    pulse_results,
)

# Beyond this many steps of search the audit gives up, and suppression fails closed: it hides every segment.
_AUDIT_BUDGET: Final = 500
# Below this, a coefficient or a residual is rounding: cells are 0/1 vectors over at most a few hundred atoms.
_EPSILON: Final = 1e-9
# Whole-number sums are audited modulo these: a sum that leaves one atom alone modulo 2 tells its parity.
_MODULI: Final = (2, 3)
# A linear program's optimum is exact only to its solver's tolerance: a noise of limit - w_p less this counts.
_LP_TOLERANCE: Final = 1e-6

Verdict = Literal["safe", "unsafe", "unknown"]


@dataclass(frozen=True)
class SegmentTally:
    """How many answered in one segment; segments partition the ballots of a cut."""

    name: str
    responses: int


@dataclass(frozen=True)
class PublishedCut:
    """What an earlier publication showed: every segment's response count, and which numbers were visible."""

    responses: Mapping[str, int]
    visible: frozenset[str]
    total_visible: bool


@dataclass(frozen=True)
class CutDecision:
    """Which segments (and whether the total) may show their numbers."""

    visible: frozenset[str]
    hidden: frozenset[str]
    total_visible: bool

    def as_published(self, segments: Sequence[SegmentTally]) -> PublishedCut:
        """The record to keep, and pass as `previous` when the same ballots are published again."""
        return PublishedCut(
            responses={segment.name: segment.responses for segment in segments},
            visible=self.visible,
            total_visible=self.total_visible,
        )


def suppress_cut(
    segments: Sequence[SegmentTally],
    threshold: int | None = DEFAULT_THRESHOLD,
    previous: PublishedCut | None = None,
) -> CutDecision:
    """Decide which segments of a cut to show, with primary and complementary suppression."""
    limit = effective_threshold(threshold)
    names = [segment.name for segment in segments]
    if len(set(names)) != len(names):
        raise ValueError("segment names must be unique")
    if any(segment.responses < 0 for segment in segments):
        raise ValueError("response counts cannot be negative")
    atoms = _atoms(segments, previous)
    total = sum(segment.responses for segment in segments)
    total_visible = total >= limit
    visible = {segment.name for segment in segments if total_visible and segment.responses >= limit}
    if previous is not None:
        # The plain difference of a segment shown twice would be its new answers: hide it if they are few.
        visible -= {name for name in visible if 0 < _growth(name, segments, previous) < limit}
    by_size = sorted(segments, key=lambda segment: (segment.responses, segment.name))
    while total_visible:
        verdict = _audit(_rows(atoms, previous, visible, total_visible=True), atoms, limit)
        if verdict == "safe":
            break
        smallest_visible = next((segment.name for segment in by_size if segment.name in visible), None)
        if smallest_visible is None:
            total_visible = False
        elif verdict == "unknown":
            visible.clear()
        else:
            visible.discard(smallest_visible)
    return CutDecision(
        visible=frozenset(visible),
        hidden=frozenset(name for name in names if name not in visible),
        total_visible=total_visible,
    )


@dataclass(frozen=True)
class _Atom:
    segment: str
    earlier: bool
    ballots: int


def _atoms(segments: Sequence[SegmentTally], previous: PublishedCut | None) -> list[_Atom]:
    if previous is None:
        return [_Atom(segment.name, earlier=False, ballots=segment.responses) for segment in segments]
    current = {segment.name: segment.responses for segment in segments}
    atoms: list[_Atom] = []
    for name in sorted(set(current) | set(previous.responses)):
        before, now = previous.responses.get(name, 0), current.get(name, 0)
        if now < before:
            raise ValueError(f"segment {name!r} has fewer responses than the earlier publication counted")
        atoms += [_Atom(name, earlier=True, ballots=before), _Atom(name, earlier=False, ballots=now - before)]
    return atoms


def _rows(
    atoms: Sequence[_Atom], previous: PublishedCut | None, visible: set[str], *, total_visible: bool
) -> list[list[int]]:
    """Each published cell as a 0/1 vector over atoms."""
    rows: list[list[int]] = []
    if previous is not None:
        rows += [[int(atom.earlier and atom.segment == name) for atom in atoms] for name in previous.visible]
        if previous.total_visible:
            rows.append([int(atom.earlier) for atom in atoms])
    rows += [[int(atom.segment == name) for atom in atoms] for name in sorted(visible)]
    if total_visible:
        rows.append([1] * len(atoms))
    return rows


def _growth(name: str, segments: Sequence[SegmentTally], previous: PublishedCut) -> int:
    now = next(segment.responses for segment in segments if segment.name == name)
    return now - previous.responses.get(name, 0)


def _audit(rows: list[list[int]], atoms: Sequence[_Atom], limit: int) -> Verdict:
    """Whether some combination of the cells sums over a nonempty set of fewer than `limit` ballots.

    "unknown" when the search for such a set outgrew its budget.
    """
    columns: dict[tuple[int, ...], int] = {}
    for index, atom in enumerate(atoms):
        column = tuple(row[index] for row in rows)
        # Atoms with no ballots reveal nothing, atoms in no cell cannot be reached, and atoms that
        # always appear together are indistinguishable: merge those into one.
        if atom.ballots > 0 and any(column):
            columns[column] = columns.get(column, 0) + atom.ballots
    verdict = _CellSpace(columns, limit).audit()
    if verdict == "safe":
        verdict = _weighted_audit(columns, limit)
    return _modular_audit(columns, limit) if verdict == "safe" else verdict


def _modular_audit(columns: Mapping[tuple[int, ...], int], limit: int) -> Verdict:
    """Whether a sum of the cells with whole coefficients leaves one small atom alone modulo 2 or 3.

    Counts are whole numbers, so a sum whose other coefficients are all even tells the parity of what is left:
    results to x and groups G1, G2; to G1 and G3; to G2 and G3 add up to x plus twice every group, so the total
    is odd exactly when x counts. No real combination isolates x there, nor weighs it above the rest.
    Modulo a prime, such a sum exists exactly when the row-reduced cells hold a row that is x's atom alone.
    """
    keys = list(columns)
    if not keys:
        return "safe"
    cells = np.array(keys, dtype=np.int64).T
    for prime in _MODULI:
        for row in _row_reduced(cells % prime, prime):
            held = np.flatnonzero(row)
            if len(held) == 1 and columns[keys[int(held[0])]] < limit:
                return "unsafe"
    return "safe"


def _row_reduced(matrix: np.ndarray, prime: int) -> np.ndarray:
    """The reduced row echelon form of a matrix over the integers modulo `prime` (its nonzero rows)."""
    reduced = matrix.copy()
    rows, columns = reduced.shape
    pivot_row = 0
    for column in range(columns):
        if pivot_row == rows:
            break
        found = np.flatnonzero(reduced[pivot_row:, column])
        if not len(found):
            continue
        chosen = pivot_row + int(found[0])
        reduced[[pivot_row, chosen]] = reduced[[chosen, pivot_row]]
        reduced[pivot_row] = reduced[pivot_row] * pow(int(reduced[pivot_row, column]), -1, prime) % prime
        factors = reduced[:, column].copy()
        factors[pivot_row] = 0
        reduced = (reduced - np.outer(factors, reduced[pivot_row])) % prime
        pivot_row += 1
    return reduced[:pivot_row]


def _weighted_audit(columns: Mapping[tuple[int, ...], int], limit: int) -> Verdict:
    """Whether a weighted combination of the cells gives a small atom's sum with too little else in it.

    Every published count is a sum of 0/1 answers, so a combination that weighs one atom far above the rest
    tells it apart though its support is large: five runs each to x and four others, less a run to those twenty
    but four, is 5x plus four people's answers, and divided by five gives x's. For each atom p of fewer than
    `limit` ballots this finds the combination with p's weight 1 whose other weights, times their ballots, sum
    the least (a linear program): p and that much noise must come to `limit`, as a plain sum of `limit` people.
    """
    # Imported here: SciPy's optimizer is half a second of every command's start-up, and only an audit needs it.
    from scipy.optimize import linprog

    keys = list(columns)
    if not keys:
        return "safe"
    ballots = np.array([columns[key] for key in keys], dtype=float)
    cells = np.array(keys, dtype=float).T  # one row per cell, one column per atom
    rows, atoms = cells.shape
    for atom in range(atoms):
        if ballots[atom] >= limit:
            continue
        others = [index for index in range(atoms) if index != atom]
        if not others:
            return "unsafe"
        # Variables: the cells' coefficients (free), then one bound per other atom on its weight's size.
        weights = cells[:, others].T  # each other atom's weight, as a row over the coefficients
        bound = np.eye(len(others))
        solved = linprog(
            c=np.concatenate([np.zeros(rows), ballots[others]]),
            A_ub=np.block([[weights, -bound], [-weights, -bound]]),
            b_ub=np.zeros(2 * len(others)),
            A_eq=np.concatenate([cells[:, atom], np.zeros(len(others))])[None, :],
            b_eq=[1.0],
            bounds=[(None, None)] * rows + [(0, None)] * len(others),
            method="highs",
        )
        if solved.status != 0:
            return "unknown"
        if ballots[atom] + solved.fun < limit - _LP_TOLERANCE:
            return "unsafe"
    return "safe"


class _CellSpace:
    """The published cells as vectors over atoms, searched for a combination with small support.

    A combination of cells is nonzero on atom j and zero outside a set S (holding j) exactly when j's column
    is not a sum of the columns outside S. Any column set R that sums to j's column must therefore meet S, so
    the search branches on which member of R joins S, until j stands alone (a leak) or S holds `limit`
    ballots (none). Each step keeps a basis of the columns outside S, the largest atoms first: S can never
    take those, so representations lean on them.
    """

    def __init__(self, columns: Mapping[tuple[int, ...], int], limit: int) -> None:
        keys = list(columns)
        # Large atoms never join S, so they are always there to sum with: work modulo their span, where an atom
        # they already account for is zero and can be neither isolated nor of help.
        cells = len(keys[0]) if keys else 0
        large = [np.array(key, dtype=float) for key in keys if columns[key] >= limit]
        spanned = _orthonormal(np.column_stack(large) if large else np.zeros((cells, 0)))
        kept: list[tuple[int, np.ndarray]] = []
        for key in keys:
            vector = np.array(key, dtype=float)
            residual = _outside(vector, spanned)
            if columns[key] < limit and not _negligible(residual, vector):
                kept.append((columns[key], residual))
        kept.sort(key=lambda atom: -atom[0])  # largest first
        self._ballots = [ballots for ballots, _ in kept]
        self._vectors = np.column_stack([vector for _, vector in kept]) if kept else np.zeros((0, 0))
        self._limit = limit
        self._budget = _AUDIT_BUDGET

    def audit(self) -> Verdict:
        if not self._ballots:
            return "safe"
        everything = self._basis_among(range(len(self._ballots)))
        for atom in range(len(self._ballots)):
            basis = self._without(everything, atom, frozenset({atom}))
            verdict = self._isolable(atom, frozenset({atom}), basis, set())
            if verdict != "safe":
                return verdict
        return "safe"

    def _isolable(
        self, atom: int, support: frozenset[int], basis: list[int], seen: set[frozenset[int]]
    ) -> Verdict:
        """Whether a combination nonzero on `atom` fits within `support` grown by atoms it may still take;
        `basis` spans the columns outside `support`."""
        if support in seen:
            return "safe"
        seen.add(support)
        self._budget -= 1
        if self._budget < 0:
            return "unknown"
        representation = self._representation(atom, basis)
        if representation is None:
            return "unsafe"
        held = sum(self._ballots[index] for index in support)
        for index in representation:
            if held + self._ballots[index] < self._limit:
                grown = support | {index}
                verdict = self._isolable(atom, grown, self._without(basis, index, grown), seen)
                if verdict != "safe":
                    return verdict
        return "safe"

    def _representation(self, atom: int, basis: list[int]) -> list[int] | None:
        """The basis columns summing (with coefficients) to `atom`'s column, or None if they cannot."""
        target = self._vectors[:, atom]
        if not basis:
            return None
        matrix = self._vectors[:, basis]
        coefficients = np.linalg.lstsq(matrix, target, rcond=None)[0]
        if not _negligible(target - matrix @ coefficients, target):
            return None
        return [
            index
            for index, coefficient in zip(basis, coefficients, strict=True)
            if abs(coefficient) > _EPSILON
        ]

    def _without(self, basis: list[int], removed: int, support: frozenset[int]) -> list[int]:
        """A basis of the columns outside `support`, from `basis` (of those outside it less `removed`)."""
        if removed not in basis:
            return basis
        kept = [index for index in basis if index != removed]
        taken = set(kept)
        candidates = [
            index for index in range(len(self._ballots)) if index not in support and index not in taken
        ]
        if not candidates:
            return kept
        # Removing one column lowers the span by one at most: the first candidate outside what is left restores it.
        vectors = self._vectors[:, candidates]
        residuals = _outside(vectors, _orthonormal(self._vectors[:, kept]))
        outside = np.linalg.norm(residuals, axis=0) > _EPSILON * np.maximum(
            1.0, np.linalg.norm(vectors, axis=0)
        )
        return [*kept, candidates[int(np.argmax(outside))]] if outside.any() else kept

    def _basis_among(self, candidates: Iterable[int]) -> list[int]:
        """In order, each candidate column not in the span of those taken before it."""
        taken: list[int] = []
        spanned = np.zeros((self._vectors.shape[0], 0))
        for index in candidates:
            vector = self._vectors[:, index]
            residual = _outside(vector, spanned)
            if not _negligible(residual, vector):
                taken.append(index)
                spanned = np.column_stack([spanned, residual / np.linalg.norm(residual)])
                if spanned.shape[1] == spanned.shape[0]:  # the whole space: nothing more can be added
                    break
        return taken


def _orthonormal(matrix: np.ndarray) -> np.ndarray:
    """An orthonormal basis of the span of the matrix's columns (none for a matrix of none)."""
    if matrix.shape[1] == 0:
        return matrix
    left, values, _ = np.linalg.svd(matrix, full_matrices=False)
    rank = int(np.sum(values > _EPSILON * max(1.0, float(values[0]) if len(values) else 1.0)))
    return left[:, :rank]


def _outside(vectors: np.ndarray, spanned: np.ndarray) -> np.ndarray:
    """What of a vector (or of each column) lies outside the span of the orthonormal columns `spanned`."""
    residual: np.ndarray = vectors - spanned @ (spanned.T @ vectors)
    # Twice: one pass of Gram-Schmidt loses orthogonality to rounding.
    residual -= spanned @ (spanned.T @ residual)
    return residual


def _negligible(residual: np.ndarray, vector: np.ndarray) -> bool:
    """Whether what is left of `vector` is rounding."""
    return float(np.linalg.norm(residual)) <= _EPSILON * max(1.0, float(np.linalg.norm(vector)))


@dataclass(frozen=True)
class SegmentAnswers:
    """One segment's audience size and answers, as input to `cut_results`."""

    name: str
    audience: int
    answers: Sequence[AnswerValue]


@dataclass(frozen=True)
class CutResults:
    """Results of a cut: the whole, each segment, and the decision to keep for the next publication."""

    total: PulseResults
    segments: dict[str, PulseResults]
    published: PublishedCut


def cut_results(
    pulse: PulseId,
    kind: PulseKind,
    segments: Sequence[SegmentAnswers],
    threshold: int | None = DEFAULT_THRESHOLD,
    previous: PublishedCut | None = None,
) -> CutResults:
    """Results overall and per segment, with suppressed segments (and total, if need be) hidden."""
    tallies = [SegmentTally(segment.name, len(segment.answers)) for segment in segments]
    decision = suppress_cut(tallies, threshold, previous)
    every_answer = [answer for segment in segments for answer in segment.answers]
    total = pulse_results(
        pulse,
        kind,
        sum(segment.audience for segment in segments),
        every_answer,
        threshold,
        force_hidden=not decision.total_visible,
    )
    per_segment = {
        segment.name: pulse_results(
            pulse,
            kind,
            segment.audience,
            segment.answers,
            threshold,
            force_hidden=segment.name not in decision.visible,
        )
        for segment in segments
    }
    return CutResults(total=total, segments=per_segment, published=decision.as_published(tallies))


def audit_audiences(
    audiences: Sequence[frozenset[str]], threshold: int | None = DEFAULT_THRESHOLD
) -> Verdict:
    """Whether adding and subtracting results over these audiences (sets of people, each result a sum of their
    answers) can isolate fewer than `threshold` people: the three results P, Q and P+Q+x give x's answer,
    though every two of them differ by many. "unknown" when the audit ran out of budget (then treat as unsafe).
    """
    people = sorted(set().union(*audiences)) if audiences else []
    # People in exactly the same audiences are one atom: no sum tells them apart.
    atoms: dict[tuple[int, ...], int] = {}
    for person in people:
        pattern = tuple(int(person in audience) for audience in audiences)
        atoms[pattern] = atoms.get(pattern, 0) + 1
    return _audit_of_atoms(tuple(atoms.items()), len(audiences), effective_threshold(threshold))


# Showing a run works out the view of every run before it, so each closed run's audit is asked again by every
# later request; the verdict depends on nothing but the atoms, so it is remembered (a pure function's memo).
@functools.lru_cache(maxsize=4096)
def _audit_of_atoms(atoms: tuple[tuple[tuple[int, ...], int], ...], cells: int, limit: int) -> Verdict:
    """The audit of cells over atoms given as (which cells hold it, how many people)."""
    order = [_Atom(str(index), earlier=False, ballots=ballots) for index, (_, ballots) in enumerate(atoms)]
    rows = [[pattern[row] for pattern, _ in atoms] for row in range(cells)]
    return _audit(rows, order, limit)


def suppress_cells(
    atoms: Mapping[str, int],
    cells: Mapping[str, frozenset[str]],
    threshold: int | None = DEFAULT_THRESHOLD,
    *,
    published: Sequence[frozenset[str]] = (),
    last: str | None = None,
) -> frozenset[str]:
    """Which cells (sums over sets of atoms, e.g. teams over channels) may show, primary and complementary,
    the same whatever cells are asked for: each atom is judged as a cell of its own first (with `last`, the
    company), and a cell shows only when every atom in it does.

    `published` are sums already public elsewhere (each run's total): they are counted in the audit but never
    hidden. Cells change between reports (a team removed, another added): judged cell by cell, a team shown in
    one report and another in the next left one small atom as the company less the two. Judged by atoms, every
    report shows sums of the same shown atoms, and what stays hidden stays hidden together.
    """
    alone = {name: frozenset({name}) for name in atoms}
    if last is not None and last in cells:
        alone[last] = cells[last]
    shown = _shown_together(atoms, alone, effective_threshold(threshold), published, last)
    return frozenset(
        cell
        for cell, members in cells.items()
        if (cell in shown if cell == last else bool(members) and members <= shown)
    )


def _shown_together(
    atoms: Mapping[str, int],
    cells: Mapping[str, frozenset[str]],
    limit: int,
    published: Sequence[frozenset[str]],
    last: str | None,
) -> frozenset[str]:
    """The cells that may show together: a cell below `limit` is hidden; then, while some combination of the
    shown cells (and the published sums) isolates fewer than `limit` ballots, the smallest shown cell is
    hidden, `last` last."""
    names = sorted(atoms)
    order = [_Atom(name, earlier=False, ballots=atoms[name]) for name in names]
    size = {cell: sum(atoms.get(atom, 0) for atom in members) for cell, members in cells.items()}
    visible = {cell for cell, count in size.items() if count >= limit}
    while visible:
        rows = [[int(name in members) for name in names] for members in published]
        rows += [[int(name in cells[cell]) for name in names] for cell in sorted(visible)]
        verdict = _audit(rows, order, limit)
        if verdict == "safe":
            break
        if verdict == "unknown":
            return frozenset()
        visible.discard(min(visible, key=lambda cell: (cell == last, size[cell], cell)))
    return frozenset(visible)
