import datetime as dt

import pytest

from bangban.bookings import rules

MON = dt.date(2026, 11, 30)


def weekdays_only(day):
    return day.weekday() < 5


def test_bookable_days_start_tomorrow_and_skip_non_working_days():
    days = rules.bookable_days(MON, 1, weekdays_only)
    assert days == [MON + dt.timedelta(days=n) for n in (1, 2, 3, 4, 7)]
    assert MON not in days


def test_bookable_days_follow_the_calendar_given():
    holiday = MON + dt.timedelta(days=2)
    days = rules.bookable_days(MON, 1, lambda d: weekdays_only(d) and d != holiday)
    assert holiday not in days and len(days) == 4


@pytest.mark.parametrize(
    "weeks,expected", [(0, 0), (-3, 0), (2, 10), (rules.MAX_WEEKS + 5, rules.MAX_WEEKS * 5)]
)
def test_bookable_days_are_bounded(weeks, expected):
    assert len(rules.bookable_days(MON, weeks, weekdays_only)) == expected


T9, T10 = dt.time(9), dt.time(10)


@pytest.mark.parametrize(
    "kw,field",
    [
        ({"weekday": 7}, "weekday"),
        ({"weekday": -1}, "weekday"),
        ({"weekday": True}, "weekday"),
        ({"weekday": "1"}, "weekday"),
        ({"start": None}, "start"),
        ({"end": "10:00"}, "end"),
        ({"end": T9}, "end"),
        ({"end": dt.time(8)}, "end"),
        ({"capacity": 0}, "capacity"),
        ({"capacity": rules.MAX_CAPACITY + 1}, "capacity"),
        ({"capacity": 2.5}, "capacity"),
        ({"capacity": True}, "capacity"),
    ],
)
def test_template_problem_names_the_field(kw, field):
    data = {"weekday": 0, "start": T9, "end": T10, "capacity": 3} | kw
    problem = rules.template_problem(**data)
    assert problem is not None and problem[0] == field and problem[1]


@pytest.mark.parametrize("capacity", [1, rules.MAX_CAPACITY])
def test_template_problem_accepts_a_valid_template(capacity):
    assert rules.template_problem(weekday=6, start=T9, end=T10, capacity=capacity) is None


def test_slot_label():
    assert rules.slot_label(dt.date(2026, 12, 3), dt.time(9)) == "12月3日 9:00"
    assert rules.slot_label(dt.date(2027, 1, 15), dt.time(14, 30)) == "1月15日 14:30"
