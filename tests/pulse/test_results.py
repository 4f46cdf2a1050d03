import json
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.features.pulse.results import (
    EnpsTally,
    ThresholdError,
    comments_visible,
    enps_group,
    enps_results,
    enps_score,
    pulse_results,
    round_half_away_from_zero,
    too_few_answered,
    validate_threshold,
    visible_comments,
)

counts = st.integers(min_value=0, max_value=5000)
scores = st.lists(st.integers(min_value=0, max_value=10), min_size=1, max_size=300)


@pytest.mark.parametrize(
    ("score", "group"),
    [(0, "detractor"), (6, "detractor"), (7, "passive"), (8, "passive"), (9, "promoter"), (10, "promoter")],
)
def test_groups_follow_the_contract(score: int, group: str) -> None:
    assert enps_group(score) == group


@pytest.mark.parametrize("score", [-1, 11])
def test_out_of_range_score_has_no_group(score: int) -> None:
    with pytest.raises(ValueError, match="0-10"):
        enps_group(score)


def test_rounding_is_half_away_from_zero() -> None:
    # 1 promoter among 8 answers is 12.5%
    assert enps_score(1, 7, 0) == 13
    assert enps_score(0, 7, 1) == -13
    assert round_half_away_from_zero(Fraction(5, 2)) == 3
    assert round_half_away_from_zero(Fraction(-5, 2)) == -3
    assert round_half_away_from_zero(Fraction(7, 3)) == 2
    assert enps_score(2, 1, 0) == 67


def test_no_responses_have_no_enps() -> None:
    assert enps_score(0, 0, 0) is None


@given(counts, counts, counts)
def test_enps_is_between_minus_and_plus_hundred(promoters: int, passives: int, detractors: int) -> None:
    score = enps_score(promoters, passives, detractors)
    if promoters + passives + detractors == 0:
        assert score is None
    else:
        assert score is not None and -100 <= score <= 100


@given(st.integers(min_value=1, max_value=5000))
def test_all_promoters_is_100_and_all_detractors_is_minus_100(n: int) -> None:
    assert enps_score(n, 0, 0) == 100
    assert enps_score(0, 0, n) == -100
    assert enps_score(0, n, 0) == 0


@given(counts, counts, counts)
def test_swapping_promoters_and_detractors_negates(promoters: int, passives: int, detractors: int) -> None:
    forward, backward = (
        enps_score(promoters, passives, detractors),
        enps_score(detractors, passives, promoters),
    )
    assert forward == (None if backward is None else -backward)


@given(counts, counts, counts, st.integers(min_value=2, max_value=50))
def test_scaling_every_group_changes_nothing(promoters: int, passives: int, detractors: int, k: int) -> None:
    assert enps_score(promoters, passives, detractors) == enps_score(
        k * promoters, k * passives, k * detractors
    )


@given(counts, counts, counts, st.integers(min_value=1, max_value=500))
def test_more_passives_pull_towards_zero(promoters: int, passives: int, detractors: int, more: int) -> None:
    before, after = (
        enps_score(promoters, passives, detractors),
        enps_score(promoters, passives + more, detractors),
    )
    assert after is not None
    if before is not None:
        assert abs(after) <= abs(before)


@given(counts, counts, counts)
def test_enps_is_within_half_a_point_of_the_exact_value(
    promoters: int, passives: int, detractors: int
) -> None:
    total = promoters + passives + detractors
    if total:
        exact = Fraction(100 * (promoters - detractors), total)
        score = enps_score(promoters, passives, detractors)
        assert score is not None and abs(score - exact) <= Fraction(1, 2)


@given(scores)
def test_order_of_answers_does_not_matter(values: list[int]) -> None:
    assert EnpsTally.from_scores(values) == EnpsTally.from_scores(sorted(values))


@given(scores)
def test_results_add_up_to_the_responses(values: list[int]) -> None:
    results = enps_results("p", audience=len(values) + 3, scores=values, threshold=3)
    assert results == pulse_results("p", "enps", len(values) + 3, values, threshold=3)
    if len(values) >= 3:
        assert results["hidden"] is False
        counted = [results["promoters"], results["passives"], results["detractors"]]
        assert sum(count or 0 for count in counted) == len(values)
        assert results["enps"] == EnpsTally.from_scores(values).enps


def test_enps_results_have_exactly_the_contract_shape() -> None:
    results = pulse_results(7, "enps", audience=12, answers=[10, 9, 9, 8, 3, 0])
    assert json.loads(json.dumps(results)) == {
        "pulse": 7,
        "audience": 12,
        "responses": 6,
        "hidden": False,
        "enps": 17,
        "promoters": 3,
        "passives": 1,
        "detractors": 2,
    }


def test_below_threshold_only_audience_and_responses_carry_numbers() -> None:
    results = pulse_results("p1", "enps", audience=40, answers=[10, 10, 10, 2])
    assert results == {
        "pulse": "p1",
        "audience": 40,
        "responses": 4,
        "hidden": True,
        "enps": None,
        "promoters": None,
        "passives": None,
        "detractors": None,
    }


def test_results_show_at_exactly_the_threshold() -> None:
    assert pulse_results("p", "enps", 9, [9] * 5)["hidden"] is False
    assert pulse_results("p", "enps", 9, [9] * 6, threshold=7)["hidden"] is True


def test_scale_results_are_a_distribution() -> None:
    results = pulse_results("p", "scale", 10, ["5", 4, 4, 1, 3])
    assert results == {
        "pulse": "p",
        "audience": 10,
        "responses": 5,
        "hidden": False,
        "distribution": {"1": 1, "2": 0, "3": 1, "4": 2, "5": 1},
        "mean": 3.4,
    }


def test_yesno_results_are_counts() -> None:
    results = pulse_results("p", "yesno", 10, ["yes", "no", "yes", "yes", "YES"])
    assert (results["hidden"], results["yes"], results["no"]) == (False, 4, 1)  # type: ignore[typeddict-item]


def test_written_answers_are_hidden_below_ten_and_say_so() -> None:
    assert pulse_results("p", "text", 12, ["a"] * 10)["comments"] == 10  # type: ignore[typeddict-item]
    # Five answers pass the threshold of numbers, but the written answers, the result itself, show from ten.
    five = pulse_results("p", "text", 10, ["a", "b", "c", "d", "e"])
    assert five["hidden"] is True and five["comments"] is None  # type: ignore[typeddict-item]
    assert too_few_answered(five, 5) == (
        "Fewer than 10 people answered, so the written answers stay hidden (they show from 10)."
    )


def test_invalid_answer_in_results_is_refused() -> None:
    with pytest.raises(ValueError):
        pulse_results("p", "enps", 10, [11])


def test_forced_hidden_results_show_no_numbers() -> None:
    results = enps_results("p", 10, [9] * 8, force_hidden=True)
    assert results["hidden"] is True and results["enps"] is None and results["responses"] == 8


def test_threshold_defaults_to_five_and_never_goes_below_three() -> None:
    assert validate_threshold(None) == 5
    assert validate_threshold(3) == 3
    for bad in (2, 0, -5):
        with pytest.raises(ThresholdError, match="at least 3"):
            validate_threshold(bad)


def test_a_stored_low_threshold_is_raised_to_three() -> None:
    assert pulse_results("p", "enps", 5, [9, 9], threshold=1)["hidden"] is True


def test_comments_need_ten_responses_and_ten_people_who_commented() -> None:
    seven = ["zebra crossing", None, " ", "Apples"] + ["ok"] * 5
    assert visible_comments(seven, responses=9) == []
    # Ten answered but only seven commented: whoever knows who commented would narrow each to one of seven.
    assert visible_comments(seven, responses=10) == []
    ten = [*seven, "fine", "good", "meh"]
    assert visible_comments(ten, responses=10) == [
        "Apples",
        "fine",
        "good",
        "meh",
        "ok",
        "ok",
        "ok",
        "ok",
        "ok",
        "zebra crossing",
    ]
    assert not comments_visible(12, threshold=15)
