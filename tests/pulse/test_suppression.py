"""Attempts to re-identify hidden groups by subtracting published numbers; all must fail."""

import itertools
import random
from collections.abc import Sequence

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.features.pulse.results import MIN_THRESHOLD
from bot.features.pulse.suppression import (
    CutDecision,
    PublishedCut,
    SegmentAnswers,
    SegmentTally,
    audit_audiences,
    cut_results,
    suppress_cut,
)

Ballot = tuple[str, bool, int]  # segment, counted in the earlier publication, index


def _tallies(**responses: int) -> list[SegmentTally]:
    return [SegmentTally(name, count) for name, count in responses.items()]


def _cells(
    ballots: Sequence[Ballot], decision: CutDecision, previous: PublishedCut | None
) -> list[frozenset[Ballot]]:
    """Every published sum, as the set of ballots it adds up."""
    cells = []
    if previous is not None:
        earlier = [ballot for ballot in ballots if ballot[1]]
        cells += [frozenset(b for b in earlier if b[0] == name) for name in previous.visible]
        if previous.total_visible:
            cells.append(frozenset(earlier))
    cells += [frozenset(b for b in ballots if b[0] == name) for name in decision.visible]
    if decision.total_visible:
        cells.append(frozenset(ballots))
    return [cell for cell in cells if cell]


def _smallest_group_recovered(cells: list[frozenset[Ballot]], ballots: Sequence[Ballot]) -> int | None:
    """Try every +1/0/-1 combination of published sums; the fewest ballots any of them isolates."""
    smallest = None
    for coefficients in itertools.product((-1, 0, 1), repeat=len(cells)):
        weights = {ballot: 0 for ballot in ballots}
        for coefficient, cell in zip(coefficients, cells, strict=True):
            for ballot in cell:
                weights[ballot] += coefficient
        isolated = sum(1 for weight in weights.values() if weight)
        if isolated and (smallest is None or isolated < smallest):
            smallest = isolated
    return smallest


def _ballots(now: dict[str, int], earlier: dict[str, int] | None = None) -> list[Ballot]:
    earlier = earlier or {}
    return [
        (name, index < earlier.get(name, 0), index) for name, count in now.items() for index in range(count)
    ]


def test_segment_below_threshold_is_hidden() -> None:
    decision = suppress_cut(_tallies(sales=12, support=9, legal=2, ops=3), threshold=5)
    assert "legal" in decision.hidden and "ops" in decision.hidden
    assert decision.total_visible


def test_one_hidden_segment_takes_the_next_smallest_with_it() -> None:
    decision = suppress_cut(_tallies(sales=12, support=9, legal=2, marketing=7), threshold=5)
    assert decision.hidden == {"legal", "marketing"}
    assert decision.visible == {"sales", "support"}


def test_hidden_segments_that_together_stay_small_take_another() -> None:
    decision = suppress_cut(_tallies(sales=12, support=9, legal=2, ops=2), threshold=5)
    assert decision.hidden == {"legal", "ops", "support"}


def test_hidden_segments_that_together_reach_the_threshold_are_enough() -> None:
    decision = suppress_cut(_tallies(sales=12, support=9, legal=3, ops=3), threshold=5)
    assert decision.hidden == {"legal", "ops"}


def test_ties_for_next_smallest_are_broken_by_name() -> None:
    decision = suppress_cut(_tallies(zeta=6, alpha=6, legal=1), threshold=5)
    assert decision.hidden == {"legal", "alpha"}


def test_a_segment_with_no_answers_reveals_nothing_to_protect() -> None:
    decision = suppress_cut(_tallies(sales=12, support=9, legal=0), threshold=5)
    assert decision.visible == {"sales", "support"}


def test_two_segments_one_small_leaves_only_the_total() -> None:
    decision = suppress_cut(_tallies(sales=12, legal=1), threshold=5)
    assert decision.visible == frozenset() and decision.total_visible


def test_total_below_threshold_hides_everything() -> None:
    decision = suppress_cut(_tallies(sales=2, legal=1), threshold=5)
    assert decision.visible == frozenset() and not decision.total_visible


def test_republishing_after_a_few_more_answers_does_not_show_them() -> None:
    first = suppress_cut(_tallies(sales=10, support=8), threshold=5)
    assert first.visible == {"sales", "support"}
    previous = first.as_published(_tallies(sales=10, support=8))
    second = suppress_cut(_tallies(sales=15, support=10), threshold=5, previous=previous)
    assert "support" not in second.visible, "support grew by 2: the difference would show those 2 answers"
    assert "sales" not in second.visible, "sales would give support's 2 new answers from the new total"
    assert second.total_visible, "the total grew by 7, which is enough"


def test_republishing_after_one_more_answer_hides_the_total_too() -> None:
    tallies = _tallies(sales=10, support=8)
    previous = suppress_cut(tallies, threshold=5).as_published(tallies)
    second = suppress_cut(_tallies(sales=11, support=8), threshold=5, previous=previous)
    assert not second.total_visible and second.visible == frozenset()


def test_republishing_after_enough_answers_in_each_segment_shows_them() -> None:
    tallies = _tallies(sales=10, support=8)
    previous = suppress_cut(tallies, threshold=5).as_published(tallies)
    second = suppress_cut(_tallies(sales=15, support=13), threshold=5, previous=previous)
    assert second.visible == {"sales", "support"} and second.total_visible


def test_previous_publication_with_more_answers_is_refused() -> None:
    tallies = _tallies(sales=10, support=8)
    previous = suppress_cut(tallies, threshold=5).as_published(tallies)
    with pytest.raises(ValueError, match="fewer responses"):
        suppress_cut(_tallies(sales=9, support=8), threshold=5, previous=previous)


def test_duplicate_or_negative_segments_are_refused() -> None:
    with pytest.raises(ValueError, match="unique"):
        suppress_cut([SegmentTally("a", 5), SegmentTally("a", 6)])
    with pytest.raises(ValueError, match="negative"):
        suppress_cut([SegmentTally("a", -1)])


def test_subtracting_from_the_total_cannot_recover_a_small_team() -> None:
    segments = {"sales": 12, "support": 9, "legal": 2}
    decision = suppress_cut([SegmentTally(n, c) for n, c in segments.items()], threshold=5)
    ballots = _ballots(segments)
    assert _smallest_group_recovered(_cells(ballots, decision, None), ballots) == 9 + 2


def test_the_naive_cut_would_have_leaked() -> None:
    """The attacker works: without complementary suppression it recovers legal's 2 answers."""
    segments = {"sales": 12, "support": 9, "legal": 2}
    naive = CutDecision(
        visible=frozenset({"sales", "support"}), hidden=frozenset({"legal"}), total_visible=True
    )
    ballots = _ballots(segments)
    assert _smallest_group_recovered(_cells(ballots, naive, None), ballots) == 2


def test_hidden_team_answers_cannot_be_told_apart_in_the_published_results() -> None:
    """Two worlds differing only in how the small team answered publish the same numbers."""

    def publish(legal: list[int], marketing: list[int]) -> object:
        segments = [
            SegmentAnswers("sales", 14, [10, 9, 9, 8, 7, 3, 10, 9, 2, 6, 9, 10]),
            SegmentAnswers("legal", 3, legal),
            SegmentAnswers("marketing", 8, marketing),
        ]
        results = cut_results("p", "enps", segments, threshold=5)
        return results.total, results.segments

    legal_all_detractors = publish([0, 1], [9, 9, 9, 9, 9, 9])
    legal_all_promoters = publish([10, 9], [9, 9, 9, 9, 1, 0])
    assert legal_all_detractors == legal_all_promoters


def test_cut_results_hide_numbers_of_suppressed_segments() -> None:
    results = cut_results(
        "p",
        "enps",
        [
            SegmentAnswers("sales", 14, [10] * 12),
            SegmentAnswers("legal", 3, [0, 0]),
            SegmentAnswers("marketing", 8, [9] * 6),
        ],
    )
    assert results.total["hidden"] is False and results.total["responses"] == 20
    assert dict(results.segments["sales"])["enps"] == 100
    assert results.segments["legal"] == {
        "pulse": "p",
        "audience": 3,
        "responses": 2,
        "hidden": True,
        "enps": None,
        "promoters": None,
        "passives": None,
        "detractors": None,
    }
    assert results.segments["marketing"]["hidden"] is True
    assert results.published.visible == {"sales"}


def test_the_naive_republication_would_have_leaked() -> None:
    """The attacker works across publications: showing both cuts in full recovers 2 new answers."""
    earlier, now = {"sales": 10, "support": 8}, {"sales": 15, "support": 10}
    previous = PublishedCut(responses=earlier, visible=frozenset(earlier), total_visible=True)
    naive = CutDecision(visible=frozenset(now), hidden=frozenset(), total_visible=True)
    ballots = _ballots(now, earlier)
    assert _smallest_group_recovered(_cells(ballots, naive, previous), ballots) == 2


def test_cross_publication_leak_through_the_total_is_caught() -> None:
    """Segments each grew by enough, but a hidden one grew by 2: old and new totals would show them."""
    earlier = _tallies(sales=10, support=10, legal=3, ops=3)
    previous = suppress_cut(earlier, threshold=5).as_published(earlier)
    assert previous.visible == {"sales", "support"}
    now = _tallies(sales=15, support=15, legal=5, ops=3)
    decision = suppress_cut(now, threshold=5, previous=previous)
    ballots = _ballots({t.name: t.responses for t in now}, {t.name: t.responses for t in earlier})
    smallest = _smallest_group_recovered(_cells(ballots, decision, previous), ballots)
    assert smallest is None or smallest >= 5


segment_counts = st.dictionaries(
    st.sampled_from(["a", "b", "c", "d"]), st.integers(min_value=0, max_value=9), min_size=2, max_size=3
)


@settings(max_examples=150, deadline=None)
@given(segment_counts, st.integers(min_value=3, max_value=5))
def test_no_combination_of_one_cut_isolates_a_small_group(counts: dict[str, int], threshold: int) -> None:
    decision = suppress_cut([SegmentTally(n, c) for n, c in counts.items()], threshold=threshold)
    ballots = _ballots(counts)
    smallest = _smallest_group_recovered(_cells(ballots, decision, None), ballots)
    assert smallest is None or smallest >= threshold


@settings(max_examples=150, deadline=None)
@given(segment_counts, st.data(), st.integers(min_value=3, max_value=5))
def test_no_combination_across_two_publications_isolates_a_small_group(
    earlier: dict[str, int], data: st.DataObject, threshold: int
) -> None:
    now = {
        name: count + data.draw(st.integers(min_value=0, max_value=7), label=name)
        for name, count in earlier.items()
    }
    earlier_tallies = [SegmentTally(n, c) for n, c in earlier.items()]
    previous = suppress_cut(earlier_tallies, threshold=threshold).as_published(earlier_tallies)
    decision = suppress_cut(
        [SegmentTally(n, c) for n, c in now.items()], threshold=threshold, previous=previous
    )
    ballots = _ballots(now, earlier)
    smallest = _smallest_group_recovered(_cells(ballots, decision, previous), ballots)
    assert smallest is None or smallest >= threshold


@settings(max_examples=100, deadline=None)
@given(segment_counts, st.integers(min_value=3, max_value=5))
def test_segments_at_or_above_threshold_stay_visible_when_nothing_is_small(
    counts: dict[str, int], threshold: int
) -> None:
    bumped = {name: count + threshold for name, count in counts.items()}
    decision = suppress_cut([SegmentTally(n, c) for n, c in bumped.items()], threshold=threshold)
    assert decision.visible == set(bumped) and decision.total_visible


def test_many_segments_hide_every_small_one() -> None:
    tallies = [SegmentTally(f"team-{index:02d}", (index * 7) % 13) for index in range(40)]
    decision = suppress_cut(tallies, threshold=10)
    assert decision.visible | decision.hidden == {tally.name for tally in tallies}
    assert all(tally.name in decision.hidden for tally in tallies if tally.responses < 10)


def _isolating_set_exists(audiences: Sequence[frozenset[str]], threshold: int) -> bool:
    """By brute force: whether dropping some set of fewer than `threshold` people lowers the rank of the results,
    i.e. some sum and difference of the results is carried by those few alone."""
    people = sorted(set().union(*audiences))

    def rank(kept: Sequence[str]) -> int:
        matrix = np.array(
            [[int(person in audience) for person in kept] for audience in audiences], dtype=float
        )
        return int(np.linalg.matrix_rank(matrix)) if kept else 0

    full = rank(people)
    return any(
        rank([person for person in people if person not in dropped]) < full
        for size in range(1, threshold)
        for dropped in itertools.combinations(people, size)
    )


audience_sets = st.lists(
    st.frozensets(st.sampled_from([f"p{index}" for index in range(12)]), min_size=1), min_size=1, max_size=5
)


@settings(max_examples=300, deadline=None)
@given(audience_sets, st.integers(min_value=MIN_THRESHOLD, max_value=MIN_THRESHOLD + 1))
def test_the_audit_of_audiences_finds_every_sum_that_isolates_a_few_people(
    audiences: list[frozenset[str]], threshold: int
) -> None:
    if _isolating_set_exists(audiences, threshold):
        assert audit_audiences(audiences, threshold) == "unsafe"


def test_a_weighted_sum_that_singles_out_one_person_is_caught_though_every_sum_covers_five() -> None:
    # Five results to x and four others each, and one to those twenty less four: R1+…+R5−H is 5x plus four
    # people's 0/1 answers, so its fifth, rounded down, is x's answer; yet no combination covers fewer than five.
    groups = [[f"g{i}{j}" for j in range(4)] for i in range(5)]
    runs = [frozenset(["x", *group]) for group in groups]
    left_out = {groups[i][0] for i in range(4)}
    rest = frozenset(person for group in groups for person in group) - left_out
    assert not _isolating_set_exists([*runs, rest], 5)
    assert audit_audiences(runs, 5) == "safe"
    assert audit_audiences([*runs, rest], 5) == "unsafe"


def test_a_year_of_weekly_results_to_a_team_that_changes_is_audited_to_the_end() -> None:
    # A hundred people, two leaving (anyone) and two joining each week; the results shown so far differ pairwise
    # by five people or more. The search must settle (safe or not) rather than give up and hide the run.
    chance = random.Random(1)
    team = [f"p{index}" for index in range(100)]
    shown: list[frozenset[str]] = []
    for week in range(52):
        if week:
            team = [*chance.sample(team, len(team) - 2), f"p{100 + 2 * week}", f"p{101 + 2 * week}"]
        audience = frozenset(team)
        if all(len(audience ^ earlier) >= 5 for earlier in shown):
            verdict = audit_audiences([*shown, audience], 5)
            assert verdict != "unknown", f"gave up at week {week}"
            if verdict == "safe":
                shown.append(audience)
    assert len(shown) >= 20


def test_a_whole_number_sum_that_tells_one_persons_parity_is_caught() -> None:
    # x with G1 and G2, then G1 with G3, then G2 with G3 (five people each): the three add up to x plus twice
    # every group, so the total's parity is x's answer; no real combination isolates x or weighs it above the rest.
    groups = [frozenset(f"g{i}{j}" for j in range(5)) for i in range(3)]
    runs = [frozenset({"x"}) | groups[0] | groups[1], groups[0] | groups[2]]
    assert audit_audiences(runs, 5) == "safe"
    assert audit_audiences([*runs, groups[1] | groups[2]], 5) == "unsafe"
