"""Wilson intervals, rates and the KR5 verdict (pure)."""

from __future__ import annotations

import pytest

from companion.core.retention import Tally
from companion.core.stats import Rate, kr5_verdict, wilson


@pytest.mark.parametrize("passed, total, low, high", [
    (81, 263, 0.2553, 0.3662),  # Newcombe (1998), Statistics in Medicine 17:857, table I, method 3
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0, 0.1611),
    (1, 29, 0.0061, 0.1718),
    (8, 10, 0.4902, 0.9433),
])
def test_wilson_matches_published_values(passed, total, low, high):
    lo, hi = wilson(passed, total)
    assert lo == pytest.approx(low, abs=5e-5)
    assert hi == pytest.approx(high, abs=5e-5)


def test_wilson_of_nothing_is_none_and_nonsense_is_refused():
    assert wilson(0, 0) is None
    with pytest.raises(ValueError, match=r"^need 0 <= passed <= total, got 5/3$"):
        wilson(5, 3)


def test_rate_as_dict_flags_low_counts():
    assert Rate(28, 1).as_dict() == {"passed": 28, "failed": 1, "retention": 0.965517, "low": 0.828245,
                                     "high": 0.993887, "low_count": True}
    assert Rate(29, 1).low_count is False
    assert Rate(0, 0).as_dict() == {"passed": 0, "failed": 0, "retention": None, "low": None, "high": None,
                                    "low_count": True}


def test_kr5_met_when_retention_and_speed_draw_reach_the_target():
    v = kr5_verdict(Tally(young_passed=60, mature_passed=36, mature_failed=4), 0.95, [96.0, 98.0])
    assert v.status == "met"
    assert v.message == ("KR5 met: retention 96.0% over 100 reviews in the last 7 days (95% CI 90.2%–98.4%) "
                         "≥ 95% target; speed-draw mean 97.0% over 2 tests ≥ 95%")


def test_kr5_not_met_when_speed_draw_falls_short():
    v = kr5_verdict(Tally(mature_passed=97, mature_failed=3), 0.95, [80.0])
    assert v.status == "not met"
    assert v.message.endswith("; speed-draw mean 80.0% over 1 test < 95%")


def test_kr5_not_met_on_retention_alone_and_without_tests():
    v = kr5_verdict(Tally(young_passed=90, young_failed=10), 0.95, [])
    assert (v.status, v.speed_draw_mean, v.speed_draw_tests) == ("not met", None, 0)
    assert v.message == ("KR5 not met: retention 90.0% over 100 reviews in the last 7 days (95% CI 82.6%–94.5%) "
                         "< 95% target; no speed-draw tests recorded in the last 7 days")


def test_kr5_needs_enough_reviews():
    assert kr5_verdict(Tally(), 0.95, []).message == (
        "KR5 not enough data: no reviews in the last 7 days; no speed-draw tests recorded in the last 7 days")
    v = kr5_verdict(Tally(young_passed=29), 0.95, [])
    assert v.status == "not enough data"
    assert "— fewer than 30 reviews" in v.message
