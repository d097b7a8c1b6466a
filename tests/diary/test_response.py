"""Rule F3: the treatment response derived from diary scores (pure function, no database)."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from b12check.core.response import ScoredDay, derive_response

START = date(2026, 9, 1)
THRESHOLDS = {"improved_drop_fraction": 0.30, "worse_rise_fraction": 0.20}


def day(offset: int, **scores: int) -> ScoredDay:
    return ScoredDay(day=START + timedelta(days=offset), scores=scores)


def test_drop_of_exactly_thirty_percent_is_improved() -> None:
    finding = derive_response([day(0, muscle_pain=10), day(42, muscle_pain=7)], START, **THRESHOLDS)
    assert finding.response == "improved"
    assert finding.change_fraction == -0.3


def test_smaller_drop_is_unchanged() -> None:
    finding = derive_response(
        [day(0, muscle_pain=8, fatigue=6), day(50, muscle_pain=7, fatigue=5)], START, **THRESHOLDS
    )
    assert finding.response == "unchanged"
    assert finding.baseline_mean == 7 and finding.latest_mean == 6


def test_rise_of_twenty_percent_is_worse() -> None:
    finding = derive_response([day(0, numbness=5), day(30, numbness=6)], START, **THRESHOLDS)
    assert finding.response == "worse"


def test_thresholds_come_from_the_caller() -> None:
    days = [day(0, numbness=5), day(30, numbness=6)]
    assert (
        derive_response(days, START, improved_drop_fraction=0.3, worse_rise_fraction=0.5).response
        == "unchanged"
    )


def test_baseline_is_latest_entry_on_or_before_start_and_only_common_symptoms_count() -> None:
    finding = derive_response(
        [day(-10, cramps=2), day(-1, muscle_pain=8, cramps=9), day(40, muscle_pain=4)],
        START,
        **THRESHOLDS,
    )
    assert finding.baseline_day == START - timedelta(days=1)
    assert finding.symptoms == ("muscle_pain",)
    assert finding.response == "improved"


def test_diary_begun_after_start_uses_first_entry_and_says_so() -> None:
    finding = derive_response([day(5, fatigue=6), day(45, fatigue=6)], START, **THRESHOLDS)
    assert finding.response == "unchanged"
    assert finding.baseline_after_start


def test_unknown_without_treatment_or_enough_entries() -> None:
    assert (
        derive_response([day(0, fatigue=5), day(40, fatigue=1)], None, **THRESHOLDS).response
        is None
    )
    assert derive_response([day(0, fatigue=5)], START, **THRESHOLDS).response is None
    # No symptom scored both at the start and later: unknown, never "unchanged".
    assert (
        derive_response([day(0, fatigue=5), day(40, numbness=1)], START, **THRESHOLDS).response
        is None
    )
    # Only entries before the start: nothing measured under treatment yet.
    assert (
        derive_response([day(-9, fatigue=5), day(-2, fatigue=1)], START, **THRESHOLDS).response
        is None
    )


def test_from_symptom_free_any_rise_is_worse() -> None:
    assert (
        derive_response([day(0, cramps=0), day(30, cramps=1)], START, **THRESHOLDS).response
        == "worse"
    )
    assert (
        derive_response([day(0, cramps=0), day(30, cramps=0)], START, **THRESHOLDS).response
        == "unchanged"
    )


@given(
    base=st.integers(min_value=1, max_value=10),
    latest=st.integers(min_value=0, max_value=10),
)
def test_classification_matches_the_rule(base: int, latest: int) -> None:
    response = derive_response(
        [day(0, pain=base), day(60, pain=latest)], START, **THRESHOLDS
    ).response
    change = (latest - base) / base
    expected = "improved" if change <= -0.3 else "worse" if change >= 0.2 else "unchanged"
    assert response == expected
