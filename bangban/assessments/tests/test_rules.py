"""The composite score's rules (pure)."""

import datetime as dt
from decimal import Decimal as D

import pytest

from bangban.assessments import rules

W = rules.DEFAULT_WEIGHTS


def test_default_weights_are_valid_and_sum_to_100():
    assert rules.weights_problem(W) is None
    assert sum(W.values()) == 100


@pytest.mark.parametrize(
    "weights, fragment",
    [
        ({**W, "indicators": 41}, "之和须为 100"),
        ({k: v for k, v in W.items() if k != "training"}, "五项"),
        ({**W, "training": -10, "supervisor": 40}, "0 至 100"),
        ({**W, "training": 10.5, "supervisor": 19.5}, "整数"),
    ],
)
def test_bad_weights_are_refused(weights, fragment):
    assert fragment in rules.weights_problem(weights)


def test_wrong_weights_setting_fails_loudly(settings):
    settings.BANGBAN_ASSESSMENT_WEIGHTS = {**W, "reviews": 30}
    with pytest.raises(ValueError, match="之和"):
        rules.weights()


def test_composite_is_the_weighted_mean():
    parts = {
        "indicators": D(90),
        "reviews": D(80),
        "complaints": D(100),
        "training": D(70),
        "supervisor": D(85),
    }
    # 90×40 + 80×20 + 100×10 + 70×10 + 85×20 = 8600 → 86.0
    assert rules.composite(parts, W) == D("86.0")


def test_missing_components_are_left_out_and_weights_rescaled():
    parts = {"indicators": D(90), "reviews": None, "complaints": D(100), "training": None, "supervisor": None}
    # (90×40 + 100×10) / 50 = 92.0
    assert rules.composite(parts, W) == D("92.0")
    assert rules.composite(dict.fromkeys(W), W) is None


def test_a_zero_weight_component_does_not_count():
    weights = {**W, "training": 0, "supervisor": 30}
    parts = {
        "indicators": D(100),
        "reviews": D(100),
        "complaints": D(100),
        "training": D(0),
        "supervisor": D(100),
    }
    assert rules.composite(parts, weights) == D("100.0")


def test_component_scores():
    assert rules.review_score({5: 2, 1: 1, 3: 1}) == D("62.5")  # (200 + 0 + 50) / 4
    assert rules.review_score({}) is None
    assert rules.complaint_score(0) == D(100)
    assert rules.complaint_score(2) == D(60)
    assert rules.complaint_score(9) == D(0)
    assert rules.indicator_score([D(100), None, D(50), D("120")]) == D("83.3")  # capped at 100
    assert rules.indicator_score([None]) is None
    assert rules.training_score([80, 91]) == D("85.5")
    assert rules.training_score([]) is None


def test_grades():
    assert [rules.grade(D(v)) for v in (95, 90, 85, 60, D("59.9"))] == [
        "优秀",
        "优秀",
        "良好",
        "合格",
        "不合格",
    ]
    assert rules.grade(None) == "—"


@pytest.mark.parametrize("raw", ["2026-13", "2026", "abc", "2026-03-01", "1999-12", "99999999999999-1"])
def test_bad_months_are_refused(raw):
    with pytest.raises(ValueError, match="考核月份"):
        rules.parse_month(raw, dt.date(2026, 3, 5))


def test_months():
    today = dt.date(2026, 3, 5)
    assert rules.parse_month("", today) == dt.date(2026, 3, 1)
    assert rules.parse_month("2024-02", today) == dt.date(2024, 2, 1)
    assert rules.month_bounds(dt.date(2024, 2, 1)) == (dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    assert rules.month_bounds(dt.date(2026, 12, 1)) == (dt.date(2026, 12, 1), dt.date(2026, 12, 31))
