"""The complaint process as a pure table: every transition, every limit rule."""

import datetime as dt

import pytest

from bangban.complaints import workflow
from bangban.complaints.models import Status

S = Status


def test_the_five_steps_in_order_and_nothing_else():
    path = [
        (S.RECEIVED, "accept", S.INVESTIGATING),
        (S.INVESTIGATING, "investigate", S.HANDLING),
        (S.HANDLING, "handle", S.ANSWERING),
        (S.ANSWERING, "answer", S.ANSWERED),
        (S.ANSWERED, "archive", S.ARCHIVED),
    ]
    for status, action, new in path:
        assert workflow.target(action, status) == new
    allowed = {(s, a) for s in S.values for a in workflow.TRANSITIONS if workflow.target(a, s)}
    assert allowed == {(s, a) for s, a, _ in path} | {(S.RECEIVED, "reject")}


@pytest.mark.parametrize(
    "status,actions",
    [
        (S.RECEIVED, ["accept", "reject"]),
        (S.INVESTIGATING, ["investigate"]),
        (S.HANDLING, ["handle"]),
        (S.ANSWERING, ["answer"]),
        (S.ANSWERED, ["archive"]),
        (S.ARCHIVED, []),
        (S.REJECTED, []),
    ],
)
def test_allowed_actions(status, actions):
    assert workflow.allowed_actions(status) == actions


def test_unknown_action_or_status_is_refused():
    assert workflow.target("fly", S.RECEIVED) is None
    assert workflow.target("accept", "nonsense") is None


def test_next_and_remaining_steps():
    assert workflow.next_step(S.RECEIVED) == "accept"
    assert workflow.next_step(S.ANSWERING) == "answer"
    assert workflow.next_step(S.ANSWERED) is None
    assert workflow.next_step(S.REJECTED) is None
    assert workflow.remaining_steps(S.RECEIVED) == ("accept", "investigate", "handle", "answer")
    assert workflow.remaining_steps(S.HANDLING) == ("handle", "answer")
    assert workflow.remaining_steps(S.ARCHIVED) == ()


def test_default_limits_are_within_fifteen_working_days():
    assert workflow.check_limits({}) == {"accept": 1, "investigate": 5, "handle": 5, "answer": 2}
    assert sum(workflow.DEFAULT_LIMITS.values()) <= workflow.MAX_TOTAL


@pytest.mark.parametrize(
    "limits,message",
    [
        ({"accept": 0}, "受理"),
        ({"investigate": -1}, "调查"),
        ({"handle": 2.5}, "处置"),
        ({"answer": "2"}, "反馈"),
        ({"answer": True}, "反馈"),
        ({"accept": 3, "investigate": 5, "handle": 5, "answer": 3}, "合计不能超过 15"),
    ],
)
def test_bad_limits_are_refused_in_chinese(limits, message):
    with pytest.raises(ValueError, match=message):
        workflow.check_limits(limits)


def test_limits_of_exactly_fifteen_are_allowed():
    assert (
        sum(workflow.check_limits({"accept": 3, "investigate": 5, "handle": 5, "answer": 2}).values()) == 15
    )


def test_late_only_after_the_due_day_and_only_while_open():
    due = dt.date(2025, 10, 9)
    assert not workflow.is_late(due, due, S.INVESTIGATING)  # the due day itself is in time
    assert workflow.is_late(due, due + dt.timedelta(days=1), S.INVESTIGATING)
    assert not workflow.is_late(due, due + dt.timedelta(days=30), S.ANSWERED)
    assert not workflow.is_late(due, due + dt.timedelta(days=30), S.REJECTED)
    assert not workflow.is_late(None, due, S.RECEIVED)
