import datetime
from decimal import Decimal

import pytest

from bangban.training import rules

D = datetime.date


@pytest.mark.parametrize(
    "value,ok",
    [
        ("0", True),
        ("0.5", True),
        ("8", True),
        ("100", True),
        ("100.5", False),
        ("-0.5", False),
        ("0.3", False),
        ("abc", False),
        ("NaN", False),
        ("Infinity", False),
        (Decimal("2.5"), True),
    ],
)
def test_hours(value, ok):
    assert (rules.hours_problem(value) is None) is ok


def test_hours_ceiling_and_message():
    assert rules.hours_problem("4", ceiling=Decimal("3")) == "「学时」须在 0 至 3 之间"


@pytest.mark.parametrize(
    "value,ok", [(None, True), (0, True), (100, True), (101, False), (-1, False), (True, False), ("9", False)]
)
def test_score(value, ok):
    assert (rules.score_problem(value) is None) is ok


def test_period():
    assert rules.period_problem(D(2025, 1, 1), D(2025, 12, 31)) is None
    assert rules.period_problem(D(2024, 1, 1), D(2024, 12, 31)) is None  # leap year: 366 days
    assert rules.period_problem(D(2024, 1, 1), D(2025, 1, 1)) == "统计期间不能超过 366 天"
    assert rules.period_problem(D(2025, 2, 1), D(2025, 1, 1)) == "结束日期不能早于开始日期"
    assert rules.period_problem(None, D(2025, 1, 1)) == "请填写起止日期"


def test_year_totals_count_only_attended_hours_of_that_year():
    e = rules.Entry
    entries = [
        e(D(2025, 3, 1), True, Decimal("4"), 90),
        e(D(2025, 6, 1), False, Decimal("0"), None),
        e(D(2025, 9, 1), True, Decimal("2.5"), 85),
        e(D(2024, 12, 31), True, Decimal("8"), 60),
    ]
    t = rules.year_totals(entries, 2025)
    assert t == rules.Totals(sessions=3, attended=2, hours=Decimal("6.5"), average_score=Decimal("87.5"))
    assert rules.year_totals(entries, 2023) == rules.Totals(0, 0, Decimal("0"), None)
