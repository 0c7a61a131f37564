"""Case deadlines: acceptance, suspension/resumption, extensions, 即办件, and the traffic light."""

import datetime as dt

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bangban.workdays.calendar import WorkCalendar
from bangban.workdays.deadlines import (
    IMMEDIATE,
    Suspension,
    colour,
    compute_deadline,
    deadline_colour,
)

D = dt.date
CAL = WorkCalendar.from_package()


def deadline(accepted, limit, today, suspensions=(), extensions=()):
    return compute_deadline(
        CAL,
        accepted=accepted,
        limit_workdays=limit,
        today=today,
        suspensions=suspensions,
        extensions=extensions,
    )


def test_across_national_day_2025():
    d = deadline(D(2025, 9, 30), 5, today=D(2025, 10, 10))
    assert d.due == D(2025, 10, 14)
    assert (d.used_workdays, d.left_workdays, d.total_workdays) == (2, 3, 5)
    assert not d.stopped and not d.overdue and not d.immediate
    assert deadline(D(2025, 9, 30), 5, today=D(2025, 9, 30)).used_workdays == 0
    assert deadline(D(2025, 9, 30), 5, today=D(2025, 10, 15)).overdue


def test_suspension_in_the_middle():
    # Accepted Mon 11-03, 5 days (due Mon 11-10). Suspended Wed 11-05 after Tue and Wed were used.
    stopped = deadline(D(2025, 11, 3), 5, today=D(2025, 11, 7), suspensions=[(D(2025, 11, 5), None)])
    assert stopped.due is None and stopped.stopped
    assert stopped.suspended_since == D(2025, 11, 5)
    assert (stopped.used_workdays, stopped.left_workdays) == (2, 3)
    assert not stopped.overdue
    # Resumed Mon 11-10 (not counted): 3 days left → Tue 11, Wed 12, Thu 13.
    resumed = deadline(
        D(2025, 11, 3), 5, today=D(2025, 11, 12), suspensions=[(D(2025, 11, 5), D(2025, 11, 10))]
    )
    assert resumed.due == D(2025, 11, 13)
    assert (resumed.used_workdays, resumed.left_workdays, resumed.stopped) == (4, 1, False)


def test_suspension_across_the_national_day_holiday():
    # Accepted Fri 9-26, 5 days: Sun 9-28 (调休), Mon 9-29, Tue 9-30, Thu 10-9, Fri 10-10.
    assert deadline(D(2025, 9, 26), 5, today=D(2025, 9, 26)).due == D(2025, 10, 10)
    # Suspended Mon 9-29 (2 used), resumed Thu 10-9: 3 left → Fri 10-10, Sat 10-11 (调休), Mon 10-13.
    d = deadline(
        D(2025, 9, 26), 5, today=D(2025, 10, 9), suspensions=[Suspension(D(2025, 9, 29), D(2025, 10, 9))]
    )
    assert d.due == D(2025, 10, 13)
    assert d.left_workdays == 3


def test_two_suspensions():
    # 10 days from Mon 11-03. First: Wed 11-05 → Fri 11-07 (2 used). Second: Tue 11-11 (Mon, Tue used:
    # 4 in all) → Mon 11-17. 6 left → Tue 18 … Tue 25.
    suspensions = [(D(2025, 11, 11), D(2025, 11, 17)), (D(2025, 11, 5), D(2025, 11, 7))]  # any order
    d = deadline(D(2025, 11, 3), 10, today=D(2025, 11, 17), suspensions=suspensions)
    assert d.due == D(2025, 11, 25)
    assert (d.used_workdays, d.left_workdays) == (4, 6)
    assert deadline(D(2025, 11, 3), 10, today=D(2025, 11, 3)).due == D(2025, 11, 17)


def test_same_day_suspension_and_resumption_changes_nothing():
    plain = deadline(D(2025, 11, 3), 5, today=D(2025, 11, 6))
    same_day = deadline(
        D(2025, 11, 3), 5, today=D(2025, 11, 6), suspensions=[(D(2025, 11, 5), D(2025, 11, 5))]
    )
    assert plain.due == same_day.due == D(2025, 11, 10)
    assert plain.left_workdays == same_day.left_workdays


def test_extension_adds_working_days():
    d = deadline(D(2025, 9, 30), 5, today=D(2025, 10, 9), extensions=[2, 1])
    assert d.due == D(2025, 10, 17)
    assert (d.extension_workdays, d.total_workdays, d.left_workdays) == (3, 8, 7)
    with pytest.raises(ValueError):
        deadline(D(2025, 9, 30), 5, today=D(2025, 10, 9), extensions=[-1])


def test_immediate_item_is_due_the_same_day():
    d = deadline(D(2025, 10, 9), IMMEDIATE, today=D(2025, 10, 9))
    assert d.immediate and d.due == D(2025, 10, 9)
    assert (d.used_workdays, d.left_workdays, d.overdue) == (0, 0, False)
    late = deadline(D(2025, 10, 9), IMMEDIATE, today=D(2025, 10, 10))
    assert late.overdue and late.left_workdays == -1
    # Accepted on a holiday by a station open that day: still due that day.
    assert deadline(D(2025, 10, 4), IMMEDIATE, today=D(2025, 10, 4)).due == D(2025, 10, 4)


def test_suspension_of_an_immediate_item():
    open_ = deadline(D(2025, 10, 9), IMMEDIATE, today=D(2025, 10, 10), suspensions=[(D(2025, 10, 9), None)])
    assert open_.stopped and open_.due is None and not open_.overdue
    assert open_.left_workdays == 0
    # Resumed Mon 10-13: due that very day, like acceptance.
    resumed = deadline(
        D(2025, 10, 9), IMMEDIATE, today=D(2025, 10, 13), suspensions=[(D(2025, 10, 9), D(2025, 10, 13))]
    )
    assert resumed.due == D(2025, 10, 13) and not resumed.overdue
    # Suspended only the next day: it was already overdue, and suspension does not cure that.
    late = deadline(
        D(2025, 10, 9), IMMEDIATE, today=D(2025, 10, 14), suspensions=[(D(2025, 10, 10), D(2025, 10, 13))]
    )
    assert late.due == D(2025, 10, 9) and late.overdue


def test_suspended_on_the_due_day_and_after_it():
    on_due = deadline(
        D(2025, 11, 3), 5, today=D(2025, 11, 12), suspensions=[(D(2025, 11, 10), D(2025, 11, 12))]
    )
    assert on_due.due == D(2025, 11, 12)  # nothing was left: due on the day of resumption
    overdue = deadline(
        D(2025, 11, 3),
        2,
        today=D(2025, 11, 12),
        suspensions=[(D(2025, 11, 7), D(2025, 11, 10)), (D(2025, 11, 11), None)],
    )
    assert overdue.due == D(2025, 11, 5) and overdue.overdue and overdue.stopped


@pytest.mark.parametrize(
    "suspensions",
    [
        [(D(2025, 11, 1), None)],  # before acceptance
        [(D(2025, 11, 5), D(2025, 11, 4))],  # resumed before suspended
        [(D(2025, 11, 5), None), (D(2025, 11, 7), D(2025, 11, 8))],  # open one followed by another
        [(D(2025, 11, 5), D(2025, 11, 10)), (D(2025, 11, 7), D(2025, 11, 12))],  # overlapping
    ],
)
def test_impossible_histories_are_refused(suspensions):
    with pytest.raises(ValueError):
        deadline(D(2025, 11, 3), 5, today=D(2025, 11, 20), suspensions=suspensions)
    with pytest.raises(ValueError):
        deadline(D(2025, 11, 3), -1, today=D(2025, 11, 20))


def test_colour_thresholds():
    due = D(2025, 10, 14)
    assert colour(due, D(2025, 10, 9), remaining_workdays=4, yellow_within=2) == "green"
    assert colour(due, D(2025, 10, 10), remaining_workdays=3, yellow_within=2) == "green"
    assert colour(due, D(2025, 10, 11), remaining_workdays=2, yellow_within=2) == "yellow"
    assert colour(due, D(2025, 10, 14), remaining_workdays=0, yellow_within=2) == "yellow"
    assert colour(due, D(2025, 10, 15), remaining_workdays=-1, yellow_within=2) == "red"
    assert colour(due, D(2025, 10, 13), remaining_workdays=1, yellow_within=0) == "green"
    assert colour(due, D(2025, 10, 14), remaining_workdays=0, yellow_within=0) == "yellow"
    with pytest.raises(ValueError):
        colour(due, due, remaining_workdays=0, yellow_within=-1)


def test_colour_of_a_deadline():
    running = deadline(D(2025, 9, 30), 5, today=D(2025, 10, 10))
    assert deadline_colour(running, D(2025, 10, 10)) == "green"
    assert deadline_colour(running, D(2025, 10, 10), yellow_within=3) == "yellow"
    stopped = deadline(D(2025, 11, 3), 5, today=D(2025, 11, 7), suspensions=[(D(2025, 11, 5), None)])
    assert deadline_colour(stopped, D(2025, 11, 7)) == "green"
    almost = deadline(D(2025, 11, 3), 5, today=D(2025, 11, 12), suspensions=[(D(2025, 11, 7), None)])
    assert deadline_colour(almost, D(2025, 11, 12)) == "yellow"
    late = deadline(D(2025, 10, 9), IMMEDIATE, today=D(2025, 10, 14), suspensions=[(D(2025, 10, 10), None)])
    assert deadline_colour(late, D(2025, 10, 14)) == "red"


# -- properties --------------------------------------------------------------------------------

days = st.dates(min_value=D(2024, 1, 1), max_value=D(2026, 6, 30))


@settings(max_examples=200, deadline=None)
@given(accepted=days, limit=st.integers(0, 30), offset=st.integers(0, 60))
def test_without_suspension_due_is_add_workdays_and_left_counts_down(accepted, limit, offset):
    today = accepted + dt.timedelta(days=offset)
    d = deadline(accepted, limit, today=today)
    assert d.due == CAL.add_workdays(accepted, limit)
    if today <= d.due:
        assert d.left_workdays == CAL.workdays_between(today, d.due)
    assert d.used_workdays + d.left_workdays == limit


@settings(max_examples=200, deadline=None)
@given(accepted=days, limit=st.integers(1, 30), after=st.integers(0, 40), length=st.integers(0, 30))
def test_a_suspension_never_brings_the_due_date_forward(accepted, limit, after, length):
    suspended = accepted + dt.timedelta(days=after)
    resumed = suspended + dt.timedelta(days=length)
    plain = deadline(accepted, limit, today=resumed)
    assume(suspended <= plain.due)
    with_pause = deadline(accepted, limit, today=resumed, suspensions=[(suspended, resumed)])
    assert with_pause.due >= plain.due
    # The pause costs exactly the working days from the day after suspension to the resumption day.
    paused = CAL.workdays_between(suspended, resumed)
    assert CAL.workdays_between(plain.due, with_pause.due) == paused
