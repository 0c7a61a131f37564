"""Pure rules: levels, the limit, lateness, the rectification transition table (no database)."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bangban.evaluations import rules, workflow
from bangban.evaluations.models import RectStatus

D = dt.date


@pytest.mark.parametrize(
    "level,bad,satisfied",
    [(1, True, False), (2, True, False), (3, False, True), (4, False, True), (5, False, True)],
)
def test_levels(level, bad, satisfied):
    assert rules.is_bad(level) is bad and rules.is_satisfied(level) is satisfied


@pytest.mark.parametrize("level", [0, 6, -1, None, "3"])
def test_out_of_range_level_is_neither(level):
    assert not rules.is_bad(level) and not rules.is_satisfied(level)


@pytest.mark.parametrize(
    "days,ok", [(1, True), (5, True), (15, True), (0, False), (16, False), (True, False), ("5", False)]
)
def test_limit_bounds(days, ok):
    assert (rules.limit_problem(days) is None) is ok


@pytest.mark.parametrize(
    "today,rectified,late",
    [
        (D(2025, 3, 10), None, False),  # the last day, not yet rectified: not late
        (D(2025, 3, 11), None, True),  # the day after: late
        (D(2025, 3, 20), D(2025, 3, 10), False),  # rectified on the last day
        (D(2025, 3, 20), D(2025, 3, 11), True),  # rectified a day late
        (D(2025, 3, 1), D(2025, 3, 1), False),
    ],
)
def test_lateness(today, rectified, late):
    assert rules.is_late(due=D(2025, 3, 10), today=today, rectified_on=rectified) is late


@given(st.dates(), st.integers(-30, 30), st.one_of(st.none(), st.integers(-30, 30)))
def test_lateness_property(due, offset, rect_offset):
    today = due + dt.timedelta(days=offset)
    rectified = None if rect_offset is None else due + dt.timedelta(days=rect_offset)
    late = rules.is_late(due=due, today=today, rectified_on=rectified)
    assert late == ((rectified > due) if rectified is not None else (today > due))


EXPECTED = {
    ("verify", RectStatus.PENDING): RectStatus.RECTIFYING,
    ("dismiss", RectStatus.PENDING): RectStatus.RECTIFIED,
    ("rectify", RectStatus.RECTIFYING): RectStatus.RECTIFIED,
    ("feedback", RectStatus.RECTIFIED): RectStatus.FED_BACK,
    ("approve", RectStatus.FED_BACK): RectStatus.CLOSED,
    ("send_back", RectStatus.FED_BACK): RectStatus.RECTIFYING,
}


@pytest.mark.parametrize("action", list(workflow.TRANSITIONS))
@pytest.mark.parametrize("status", RectStatus.values)
def test_transition_table_exhaustive(action, status):
    assert workflow.target(action, status) == EXPECTED.get((action, status))


def test_closed_is_final_and_unknown_action():
    assert workflow.allowed_actions(RectStatus.CLOSED) == []
    assert workflow.target("delete", RectStatus.PENDING) is None
    assert workflow.allowed_actions(RectStatus.PENDING) == ["verify", "dismiss"]


@pytest.mark.parametrize(
    "action,real_name,revisits,needs",
    [
        ("verify", True, 0, True),
        ("dismiss", True, 0, True),
        ("verify", True, 1, False),
        ("verify", False, 0, False),
        ("rectify", True, 0, False),
        ("feedback", True, 0, False),
    ],
)
def test_revisit_rule(action, real_name, revisits, needs):
    assert workflow.needs_revisit(action, real_name=real_name, revisits=revisits) is needs


def test_every_action_has_a_label_and_supervisor_actions_exist():
    assert set(workflow.ACTION_LABELS) == set(workflow.TRANSITIONS)
    assert workflow.SUPERVISOR_ACTIONS <= set(workflow.TRANSITIONS)
