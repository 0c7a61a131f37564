"""The pure working-day calendar: official data, the fallback rule, and the arithmetic's laws."""

import datetime as dt

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bangban.workdays.calendar import WorkCalendar, fallback_holidays, qingming
from bangban.workdays.package import package_days, package_years

D = dt.date
CAL = WorkCalendar.from_package()


def test_matches_chinesecalendar_on_every_day_it_knows():
    day, last = D(2004, 1, 1), D(2026, 12, 31)
    mismatches = []
    while day <= last:
        if CAL.is_workday(day) != chinese_calendar.is_workday(day):
            mismatches.append(day)
        day += dt.timedelta(days=1)
    assert mismatches == []
    assert package_years() == tuple(range(2004, 2027))


def test_national_day_2025_example_from_the_brief():
    # Oct 1–8 off; Sat Oct 11 is an adjusted working day; the acceptance day is not counted.
    assert CAL.add_workdays(D(2025, 9, 30), 5) == D(2025, 10, 14)
    assert [CAL.add_workdays(D(2025, 9, 30), n) for n in range(1, 6)] == [
        D(2025, 10, 9),
        D(2025, 10, 10),
        D(2025, 10, 11),
        D(2025, 10, 13),
        D(2025, 10, 14),
    ]
    assert CAL.info(D(2025, 10, 11)).kind == "adjusted_workday"
    assert CAL.info(D(2025, 10, 11)).name == "国庆节"
    assert CAL.info(D(2025, 10, 6)).name == "中秋节"


def test_spring_festival_2025():
    for day in range(28, 32):
        assert not CAL.is_workday(D(2025, 1, day))
    for day in range(1, 5):
        assert not CAL.is_workday(D(2025, 2, day))
    assert CAL.is_workday(D(2025, 1, 26))  # Sunday, adjusted working day
    assert CAL.is_workday(D(2025, 2, 8))  # Saturday, adjusted working day
    assert CAL.info(D(2025, 1, 29)).name == "春节"
    # Accepted Fri Jan 24, 3 working days: Sun 26, Mon 27, then Wed Feb 5.
    assert CAL.add_workdays(D(2025, 1, 24), 3) == D(2025, 2, 5)
    assert CAL.workdays_between(D(2025, 1, 27), D(2025, 2, 5)) == 1


def test_year_end_crossing():
    # 2025-12-31 (Wed) → 2026: Jan 1–3 off, Sun Jan 4 an adjusted working day.
    assert not CAL.is_workday(D(2026, 1, 1))
    assert CAL.is_workday(D(2026, 1, 4))
    assert CAL.add_workdays(D(2025, 12, 30), 1) == D(2025, 12, 31)
    assert CAL.add_workdays(D(2025, 12, 30), 2) == D(2026, 1, 4)
    assert CAL.add_workdays(D(2025, 12, 30), 3) == D(2026, 1, 5)
    assert CAL.workdays_between(D(2025, 12, 30), D(2026, 1, 5)) == 3
    # Into a year the package does not know: 2026-12-31 (Thu) + 2 → Jan 1 2027 (fallback 元旦) skipped.
    assert CAL.add_workdays(D(2026, 12, 31), 1) == D(2027, 1, 4)
    assert CAL.unknown_years(D(2026, 12, 31), D(2027, 1, 4)) == [2027]
    assert CAL.unknown_years(D(2025, 1, 1), D(2026, 12, 31)) == []


def test_immediate_and_zero():
    assert CAL.add_workdays(D(2025, 10, 1), 0) == D(2025, 10, 1)  # even on a holiday: same day
    assert CAL.workdays_between(D(2025, 10, 1), D(2025, 10, 1)) == 0


def test_start_on_non_workday_counts_from_the_next_workday():
    assert CAL.add_workdays(D(2025, 10, 4), 1) == D(2025, 10, 9)
    assert CAL.next_workday(D(2025, 10, 4)) == D(2025, 10, 9)
    assert CAL.next_workday(D(2025, 10, 9)) == D(2025, 10, 10)
    assert CAL.workday_on_or_after(D(2025, 10, 9)) == D(2025, 10, 9)
    assert CAL.workday_on_or_after(D(2025, 10, 4)) == D(2025, 10, 9)


def test_negative_and_backwards():
    with pytest.raises(ValueError):
        CAL.add_workdays(D(2025, 1, 1), -1)
    assert CAL.workdays_between(D(2025, 10, 14), D(2025, 9, 30)) == -5


def test_datetimes_are_refused():
    with pytest.raises(TypeError):
        CAL.is_workday(dt.datetime(2025, 1, 1, 9))
    with pytest.raises(TypeError):
        CAL.add_workdays("2025-01-01", 1)


def test_fallback_for_unknown_years():
    assert fallback_holidays(2027) == {
        D(2027, 1, 1): "元旦",
        D(2027, 4, 5): "清明节",
        D(2027, 5, 1): "劳动节",
        D(2027, 5, 2): "劳动节",
        D(2027, 10, 1): "国庆节",
        D(2027, 10, 2): "国庆节",
        D(2027, 10, 3): "国庆节",
    }
    cal = WorkCalendar()
    assert not cal.is_workday(D(2027, 1, 1))  # Friday, 元旦
    assert cal.info(D(2027, 1, 1)).kind == "fallback_holiday"
    assert not cal.is_workday(D(2027, 4, 5))  # Monday, 清明
    assert cal.is_workday(D(2027, 2, 8))  # lunar holidays are not in the fallback
    assert not cal.is_workday(D(2027, 1, 2))  # Saturday
    assert cal.unknown_years(2027, 2029) == [2027, 2028, 2029]
    # 清明 matches the package on every year since it became a holiday (2008).
    for year in range(2008, 2027):
        names = {d: n for d, (k, n) in package_days(year).items() if k == "holiday"}
        assert names.get(qingming(year)) == "清明节", year
    assert qingming(1800) is None


def test_explicit_days_override_fallback_and_complete_years_drop_it():
    cal = WorkCalendar(holidays={D(2027, 2, 8): "春节"}, workdays={D(2027, 1, 1): "元旦调休"})
    assert not cal.is_workday(D(2027, 2, 8))
    assert cal.is_workday(D(2027, 1, 1))
    complete = WorkCalendar(holidays={D(2027, 2, 8): "春节"}, complete_years=[2027])
    assert complete.is_workday(D(2027, 1, 1))  # confirmed years follow only their rows
    assert complete.unknown_years(2027) == []
    assert list(cal.special_days(2027))[:2] == [D(2027, 1, 1), D(2027, 2, 8)]
    with pytest.raises(ValueError):
        WorkCalendar(holidays=[D(2027, 1, 1)], workdays=[D(2027, 1, 1)])


# -- properties --------------------------------------------------------------------------------

dates = st.dates(min_value=D(2003, 1, 1), max_value=D(2028, 12, 31))
counts = st.integers(min_value=0, max_value=60)


@settings(max_examples=300, deadline=None)
@given(start=dates, n=counts)
def test_add_then_count_round_trips(start, n):
    due = CAL.add_workdays(start, n)
    assert CAL.workdays_between(start, due) == n
    if n >= 1:
        assert due > start
        assert CAL.is_workday(due)  # never lands on a day off
        assert CAL.next_workday(CAL.add_workdays(start, n - 1)) == due
    else:
        assert due == start


@settings(max_examples=200, deadline=None)
@given(start=dates, n=counts)
def test_monotonic_in_days_and_start(start, n):
    assert CAL.add_workdays(start, n + 1) > CAL.add_workdays(start, n)
    later = start + dt.timedelta(days=1)
    assert CAL.add_workdays(later, n) >= CAL.add_workdays(start, n)


@settings(max_examples=200, deadline=None)
@given(a=dates, b=dates, c=dates)
def test_counting_is_additive_and_antisymmetric(a, b, c):
    assert CAL.workdays_between(a, b) == -CAL.workdays_between(b, a)
    assert CAL.workdays_between(a, b) + CAL.workdays_between(b, c) == CAL.workdays_between(a, c)


@settings(max_examples=100, deadline=None)
@given(start=dates, n=st.integers(min_value=1, max_value=40))
def test_no_working_day_is_skipped(start, n):
    due = CAL.add_workdays(start, n)
    day, seen = start, 0
    while day < due:
        day += dt.timedelta(days=1)
        seen += CAL.is_workday(day)
    assert seen == n


@settings(max_examples=200, deadline=None)
@given(a=dates, span=st.integers(min_value=0, max_value=900))
def test_counting_agrees_with_walking_the_days(a, span):
    """workdays_between reads per-year running counts; walking day by day must give the same."""
    b = a + dt.timedelta(days=span)
    day, seen = a, 0
    while day < b:
        day += dt.timedelta(days=1)
        seen += CAL.is_workday(day)
    assert CAL.workdays_between(a, b) == seen


def test_counting_reaches_the_last_representable_year():
    cal = WorkCalendar()
    assert cal.workdays_between(D(9999, 12, 24), D(9999, 12, 31)) == 5
