"""The case classifier (cases/indicators.py) on hand-built rows: every rule of domain.md §13 it states."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bangban.cases.indicators import (
    CLOSED,
    COMPLETED,
    COMPLETED_ON_TIME,
    RECORD_COMPLETE,
    REQUEST,
    RESOLVED,
    RESPONDED,
    closed_as,
    facts_of_case,
)
from bangban.cases.models import Case, Channel, Status
from bangban.supervision.facts import Fact

SH = ZoneInfo("Asia/Shanghai")
REG = dt.datetime(2026, 3, 2, 9, tzinfo=SH)  # Monday


def case(**kw):
    fields = (
        dict(
            status=Status.IN_PROGRESS,
            channel=Channel.WINDOW,
            institution_id=7,
            agent_id=3,
            created_at=REG,
            first_response_at=REG,
            response_due=REG.date(),
            due_date=dt.date(2026, 3, 9),
        )
        | kw
    )
    return Case(**fields)


def metrics(c, **kw):
    return {f.metric: f.day for f in facts_of_case(c, item_id=kw.pop("item_id", 11), **kw)}


def finished(y, m, d, hour=16):
    return dt.datetime(y, m, d, hour, tzinfo=SH)


def test_an_open_window_case_is_a_request_answered_at_registration():
    assert metrics(case()) == {REQUEST: REG.date(), RESPONDED: REG.date()}


def test_attribution_institution_agent_first_item():
    (f, *_) = facts_of_case(case(), item_id=11)
    assert f == Fact(REQUEST, REG.date(), 7, 3, 11)
    (g, *_) = facts_of_case(case(agent_id=None), item_id=0)
    assert (g.agent_id, g.item_id) == (0, 0)


def test_registration_day_is_the_shanghai_date():
    late = dt.datetime(2026, 3, 2, 23, 30, tzinfo=SH)  # 15:30 UTC: still the 2nd in Shanghai
    assert metrics(case(created_at=late))[REQUEST] == dt.date(2026, 3, 2)


@pytest.mark.parametrize("channel", [Channel.ONLINE, Channel.DOOR])
def test_online_and_door_requests_must_be_answered_by_the_response_due_date(channel):
    due = dt.date(2026, 3, 3)
    unanswered = case(channel=channel, first_response_at=None, response_due=due)
    assert RESPONDED not in metrics(unanswered)
    on_due = case(
        channel=channel, first_response_at=dt.datetime(2026, 3, 3, 23, 59, tzinfo=SH), response_due=due
    )
    assert metrics(on_due)[RESPONDED] == REG.date()  # counted on the request's day
    late = case(channel=channel, first_response_at=dt.datetime(2026, 3, 4, 0, 1, tzinfo=SH), response_due=due)
    assert RESPONDED not in metrics(late)
    assert RESPONDED not in metrics(case(channel=channel, response_due=None))


@pytest.mark.parametrize("channel", [Channel.WINDOW, Channel.PHONE])
def test_window_and_phone_are_answered_at_registration_whatever_the_columns(channel):
    assert RESPONDED in metrics(case(channel=channel, first_response_at=None, response_due=None))


def test_completed_on_the_due_date_is_on_time():
    c = case(status=Status.COMPLETED, finished_at=finished(2026, 3, 9, 23))
    m = metrics(c)
    day = dt.date(2026, 3, 9)
    assert m[CLOSED] == m[RESOLVED] == m[COMPLETED] == m[COMPLETED_ON_TIME] == day


def test_completed_a_day_late_is_not_on_time():
    m = metrics(case(status=Status.COMPLETED, finished_at=finished(2026, 3, 10, 0)))
    assert COMPLETED in m and COMPLETED_ON_TIME not in m


def test_suspension_moved_the_due_date_and_the_rule_reads_the_moved_date():
    # 5 working days suspended: the stored due date is the 16th; finishing on the 13th is on time.
    m = metrics(
        case(status=Status.COMPLETED, due_date=dt.date(2026, 3, 16), finished_at=finished(2026, 3, 13))
    )
    assert COMPLETED_ON_TIME in m


def test_no_deadline_counts_in_resolution_but_not_in_on_time():
    m = metrics(case(status=Status.COMPLETED, due_date=None, finished_at=finished(2026, 3, 5)))
    assert CLOSED in m and RESOLVED in m
    assert COMPLETED not in m and COMPLETED_ON_TIME not in m


def test_terminated_is_closed_not_resolved_not_in_on_time():
    m = metrics(
        case(status=Status.TERMINATED, termination_reason="申请人撤回", finished_at=finished(2026, 3, 4))
    )
    assert m[CLOSED] == dt.date(2026, 3, 4)
    assert RESOLVED not in m and COMPLETED not in m and COMPLETED_ON_TIME not in m


def test_archived_counts_as_what_it_was_closed_as():
    done = case(status=Status.ARCHIVED, finished_at=finished(2026, 3, 5))
    ended = case(status=Status.ARCHIVED, termination_reason="撤回", finished_at=finished(2026, 3, 5))
    assert closed_as(done) == Status.COMPLETED and closed_as(ended) == Status.TERMINATED
    assert metrics(done) == metrics(case(status=Status.COMPLETED, finished_at=finished(2026, 3, 5)))
    assert RESOLVED not in metrics(ended)


@pytest.mark.parametrize("status", [Status.CONSULTING, Status.ACCEPTED, Status.IN_PROGRESS, Status.SUSPENDED])
def test_open_cases_count_only_as_requests(status):
    assert set(metrics(case(status=status))) == {REQUEST, RESPONDED}


def test_record_complete_needs_a_log_entry_and_a_closed_case():
    closed = case(status=Status.COMPLETED, finished_at=finished(2026, 3, 5))
    assert RECORD_COMPLETE not in metrics(closed, has_log=False)
    assert metrics(closed, has_log=True)[RECORD_COMPLETE] == dt.date(2026, 3, 5)
    assert RECORD_COMPLETE not in metrics(case(), has_log=True)  # open: not yet a record to judge


def test_record_complete_requires_the_invitation_once_it_is_wired():
    closed = case(status=Status.COMPLETED, finished_at=finished(2026, 3, 5))
    assert RECORD_COMPLETE not in metrics(closed, has_log=True, has_invitation=False)
    assert RECORD_COMPLETE in metrics(closed, has_log=True, has_invitation=True)
