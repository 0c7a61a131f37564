"""The indicator classifiers on hand-built rows (no database, no clock)."""

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from bangban.complaints.indicators import facts_of_complaint, facts_of_consultation, local_date
from bangban.supervision.facts import Fact

SH = ZoneInfo("Asia/Shanghai")
UTC = dt.UTC
DUE = dt.date(2025, 10, 24)  # received 2025-09-30 + 13 working days across the National Day holiday


def complaint(**kw):
    base = dict(status="answered", answer_due=DUE, answered_on=None, institution_id=7, agent_id=None)
    return SimpleNamespace(**(base | kw))


def metrics(facts):
    return sorted(f.metric for f in facts)


def test_complaint_answered_on_the_last_day_is_on_time():
    facts = facts_of_complaint(complaint(answered_on=DUE))
    assert facts == [
        Fact("complaint.due", DUE, 7, 0, 0),
        Fact("complaint.on_time", DUE, 7, 0, 0),
    ]


def test_complaint_answered_a_day_late_is_due_but_not_on_time():
    assert metrics(facts_of_complaint(complaint(answered_on=DUE + dt.timedelta(days=1)))) == ["complaint.due"]


def test_complaint_answered_early_counts_on_its_due_day_not_the_answer_day():
    facts = facts_of_complaint(complaint(answered_on=dt.date(2025, 10, 9), agent_id=3))
    assert {f.day for f in facts} == {DUE}
    assert all(f.agent_id == 3 for f in facts)


def test_open_or_never_accepted_complaints_are_due_all_the_same():
    for status in ("received", "investigating", "handling", "answering"):
        assert metrics(facts_of_complaint(complaint(status=status))) == ["complaint.due"]


def test_archived_keeps_its_facts():
    assert metrics(facts_of_complaint(complaint(status="archived", answered_on=DUE))) == [
        "complaint.due",
        "complaint.on_time",
    ]


def test_refused_complaints_are_excluded():
    assert facts_of_complaint(complaint(status="rejected")) == []
    assert facts_of_complaint(complaint(status="rejected", answered_on=DUE)) == []


def consultation(**kw):
    base = dict(
        asked_at=dt.datetime(2025, 9, 30, 9, 0, tzinfo=SH),
        first_answered_at=None,
        answer_due=dt.date(2025, 9, 30),
        institution_id=5,
        answered_by_id=None,
        item_id=None,
    )
    return SimpleNamespace(**(base | kw))


def test_window_consultation_answered_the_same_day():
    c = consultation(
        first_answered_at=dt.datetime(2025, 9, 30, 23, 59, tzinfo=SH), answered_by_id=4, item_id=9
    )
    assert facts_of_consultation(c) == [
        Fact("consultation.total", dt.date(2025, 9, 30), 5, 4, 9),
        Fact("consultation.on_time", dt.date(2025, 9, 30), 5, 4, 9),
    ]


def test_answered_after_midnight_shanghai_is_late_even_if_utc_says_same_day():
    # 2025-10-01 00:30 in Shanghai is 2025-09-30 16:30 UTC: the Shanghai date decides.
    answered = dt.datetime(2025, 9, 30, 16, 30, tzinfo=UTC)
    assert local_date(answered) == dt.date(2025, 10, 1)
    assert metrics(facts_of_consultation(consultation(first_answered_at=answered))) == ["consultation.total"]


def test_asked_date_is_the_shanghai_date():
    asked = dt.datetime(2025, 9, 29, 17, 0, tzinfo=UTC)  # 2025-09-30 01:00 in Shanghai
    assert facts_of_consultation(consultation(asked_at=asked))[0].day == dt.date(2025, 9, 30)


def test_online_question_over_a_holiday_uses_the_stored_working_day_due_date():
    # Asked on 2025-09-30; one working day later is 2025-10-09 (1–8 October is the holiday).
    c = consultation(
        answer_due=dt.date(2025, 10, 9), first_answered_at=dt.datetime(2025, 10, 9, 17, tzinfo=SH)
    )
    assert metrics(facts_of_consultation(c)) == ["consultation.on_time", "consultation.total"]
    late = consultation(
        answer_due=dt.date(2025, 10, 9), first_answered_at=dt.datetime(2025, 10, 10, 9, tzinfo=SH)
    )
    assert metrics(facts_of_consultation(late)) == ["consultation.total"]


def test_online_question_over_a_weekend():
    # Friday 2025-09-12 → due Monday 2025-09-15; answered on Saturday is in time, Tuesday is not.
    friday = consultation(asked_at=dt.datetime(2025, 9, 12, 18, tzinfo=SH), answer_due=dt.date(2025, 9, 15))
    saturday = dt.datetime(2025, 9, 13, 10, tzinfo=SH)
    assert metrics(
        facts_of_consultation(SimpleNamespace(**{**vars(friday), "first_answered_at": saturday}))
    ) == [
        "consultation.on_time",
        "consultation.total",
    ]
    tuesday = dt.datetime(2025, 9, 16, 10, tzinfo=SH)
    assert metrics(
        facts_of_consultation(SimpleNamespace(**{**vars(friday), "first_answered_at": tuesday}))
    ) == ["consultation.total"]


def test_unanswered_consultation_counts_in_the_total_only():
    assert metrics(facts_of_consultation(consultation())) == ["consultation.total"]
    assert facts_of_consultation(consultation())[0].agent_id == 0
