"""The indicator registry and its pure rules: rate, display, targets, periods."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bangban.supervision.indicators import (
    INDICATOR_LIST,
    INDICATORS,
    below_target,
    figures,
    months_between,
    period,
    rate,
    rate_display,
)


def test_all_ten_indicators_of_domain_13_and_remote_help():
    names = {i.name for i in INDICATOR_LIST}
    assert names == {
        "按时办结率", "满意率", "咨询及时处理率", "投诉及时处理率", "响应率",
        "解决率", "差评整改率", "实名差评回访率", "信息公开率", "记录完整率",
        "远程帮办及时响应率",  # issue 12: the remote help first-response figure
    }  # fmt: skip
    assert all(i.definition for i in INDICATOR_LIST)


def test_seeds_001_section_5_targets():
    assert INDICATORS["on_time"].default_target == 100
    assert INDICATORS["disclosure"].default_target == 100
    assert INDICATORS["consultation"].default_target == 100
    assert INDICATORS["complaint"].default_target == 100
    assert INDICATORS["satisfaction"].default_target == 95


@pytest.mark.parametrize("num,den", [(0, 0), (None, 0), (3, None), (None, None)])
def test_empty_denominator_is_no_rate_and_shows_a_dash(num, den):
    assert rate(num, den) is None
    assert rate_display(rate(num, den)) == "—"
    assert not below_target(None, Decimal(100))


def test_rates_and_display():
    assert rate(0, 4) == 0 and rate_display(rate(0, 4)) == "0.0%"
    assert rate(4, 4) == 100 and rate_display(rate(4, 4)) == "100.0%"
    assert rate_display(rate(19, 20)) == "95.0%"
    # 9999/10000 is 99.99 %: shown 99.9 %, not a rounded-up 100.0 % beside a 100 % target
    assert rate_display(rate(9999, 10000)) == "99.9%"
    assert below_target(rate(9999, 10000), Decimal(100))
    assert not below_target(rate(19, 20), Decimal(95))
    assert below_target(rate(18, 20), Decimal(95))


@given(st.integers(0, 10**6), st.integers(1, 10**6))
def test_rate_is_never_shown_above_its_value(num, den):
    num = min(num, den)
    value = rate(num, den)
    shown = Decimal(rate_display(value)[:-1])
    assert shown <= value < shown + Decimal("0.1")
    assert below_target(value, Decimal(100)) == (num < den)


@given(
    st.one_of(st.none(), st.integers(0, 10**6)),
    st.one_of(st.none(), st.integers(0, 10**6)),
    st.decimals(min_value=0, max_value=100, places=2),
    st.booleans(),
)
def test_remembered_figures_are_the_rules(num, den, target, higher_is_better):
    for _ in range(2):  # computed, then remembered
        value, display, below = figures(num, den, target, higher_is_better)
        assert value == rate(num, den) and display == rate_display(rate(num, den))
        assert below == below_target(rate(num, den), target, higher_is_better=higher_is_better)


def test_periods():
    on = dt.date(2026, 2, 18)  # Wednesday
    assert period("day", on) == (on, on)
    assert period("week", on) == (dt.date(2026, 2, 16), dt.date(2026, 2, 22))
    assert period("month", on) == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert period("month", dt.date(2024, 2, 1)) == (dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    assert period("month", dt.date(2026, 12, 5)) == (dt.date(2026, 12, 1), dt.date(2026, 12, 31))
    assert period("quarter", on) == (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert period("quarter", dt.date(2026, 11, 30)) == (dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    assert period("year", on) == (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    with pytest.raises(ValueError):
        period("decade", on)


def test_months_between_clips_to_the_range():
    assert months_between(dt.date(2026, 1, 15), dt.date(2026, 3, 3)) == [
        (dt.date(2026, 1, 15), dt.date(2026, 1, 31)),
        (dt.date(2026, 2, 1), dt.date(2026, 2, 28)),
        (dt.date(2026, 3, 1), dt.date(2026, 3, 3)),
    ]
    assert months_between(dt.date(2025, 12, 31), dt.date(2026, 1, 1)) == [
        (dt.date(2025, 12, 31), dt.date(2025, 12, 31)),
        (dt.date(2026, 1, 1), dt.date(2026, 1, 1)),
    ]


@given(
    st.dates(dt.date(2001, 1, 1), dt.date(2099, 12, 31)),
    st.integers(0, 1200),
    st.sampled_from(["y", "q", "m"]),
)
def test_split_period_covers_every_day_exactly_once(start, length, coarsest):
    from bangban.supervision.indicators import grain_start, split_period

    end = start + dt.timedelta(days=length)
    parts = split_period(start, end, coarsest)
    covered = []
    for grain, first, last in parts:
        assert grain in "dmqy"[: "dmqy".index(coarsest) + 1]
        day = first
        while day <= last:  # each block of the part, whole
            assert grain_start(grain, day) == day
            block = [
                d for d in (day + dt.timedelta(days=i) for i in range(366)) if grain_start(grain, d) == day
            ]
            covered += block
            day = block[-1] + dt.timedelta(days=1)
    assert covered == [start + dt.timedelta(days=i) for i in range(length + 1)]  # in order, once each
    # The coarsest blocks that fit: no finer part could have been one block of the next grain up.
    assert sum(g == "d" for g, _, _ in parts) <= 2


def test_split_period_examples():
    from bangban.supervision.indicators import split_period

    d = dt.date
    assert split_period(d(2026, 3, 1), d(2026, 3, 31)) == [("m", d(2026, 3, 1), d(2026, 3, 1))]
    assert split_period(d(2026, 3, 2), d(2026, 3, 31)) == [("d", d(2026, 3, 2), d(2026, 3, 31))]
    assert split_period(d(2026, 1, 15), d(2026, 4, 10)) == [
        ("d", d(2026, 1, 15), d(2026, 1, 31)),
        ("m", d(2026, 2, 1), d(2026, 3, 1)),
        ("d", d(2026, 4, 1), d(2026, 4, 10)),
    ]
    assert split_period(d(2026, 4, 1), d(2026, 6, 30)) == [("q", d(2026, 4, 1), d(2026, 4, 1))]
    assert split_period(d(2026, 1, 1), d(2026, 12, 31)) == [("y", d(2026, 1, 1), d(2026, 1, 1))]
    assert split_period(d(2026, 1, 1), d(2026, 12, 31), "m") == [("m", d(2026, 1, 1), d(2026, 12, 1))]
    assert split_period(d(2025, 7, 13), d(2026, 7, 8)) == [
        ("d", d(2025, 7, 13), d(2025, 7, 31)),
        ("m", d(2025, 8, 1), d(2025, 9, 1)),
        ("q", d(2025, 10, 1), d(2026, 4, 1)),
        ("d", d(2026, 7, 1), d(2026, 7, 8)),
    ]
    assert split_period(d(2024, 11, 5), d(2027, 2, 3)) == [
        ("d", d(2024, 11, 5), d(2024, 11, 30)),
        ("m", d(2024, 12, 1), d(2024, 12, 1)),
        ("y", d(2025, 1, 1), d(2026, 1, 1)),
        ("m", d(2027, 1, 1), d(2027, 1, 1)),
        ("d", d(2027, 2, 1), d(2027, 2, 3)),
    ]
