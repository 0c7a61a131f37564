"""The indicator classifier on hand-built rows (no database): 满意率, 差评整改率, 实名差评回访率."""

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from bangban.evaluations.indicators import facts_of_rectification, facts_of_review
from bangban.supervision.facts import Fact

SH = ZoneInfo("Asia/Shanghai")
UTC = dt.UTC


def review(level=5, *, at=dt.datetime(2025, 6, 30, 10, tzinfo=SH), real_name=True, agent_id=7):
    return SimpleNamespace(
        level=level, created_at=at, institution_id=3, agent_id=agent_id, real_name=real_name
    )


def rect(status="closed", *, due=dt.date(2025, 7, 7), rectified_on=dt.date(2025, 7, 7), agent_id=7):
    return SimpleNamespace(
        status=status, due_date=due, rectified_on=rectified_on, institution_id=3, agent_id=agent_id
    )


def metrics(facts):
    return sorted(f.metric for f in facts)


@pytest.mark.parametrize("level,satisfied", [(1, False), (2, False), (3, True), (4, True), (5, True)])
def test_review_levels(level, satisfied):
    facts = facts_of_review(review(level), appeal_upheld=False, item_id=11)
    expected = ["review.satisfied", "review.total"] if satisfied else ["review.total"]
    assert metrics(facts) == expected
    assert all(f == Fact(f.metric, dt.date(2025, 6, 30), 3, 7, 11) for f in facts)


def test_upheld_appeal_removes_review():
    assert facts_of_review(review(1), appeal_upheld=True) == []
    assert facts_of_review(review(5), appeal_upheld=True) == []


def test_review_day_is_shanghai_date():
    # 2025-06-30 17:30 UTC is 2025-07-01 01:30 in Shanghai: July's figures.
    facts = facts_of_review(review(at=dt.datetime(2025, 6, 30, 17, 30, tzinfo=UTC)), appeal_upheld=False)
    assert {f.day for f in facts} == {dt.date(2025, 7, 1)}


def test_anonymous_without_agent_or_item():
    facts = facts_of_review(review(4, real_name=False, agent_id=None), appeal_upheld=False)
    assert {(f.agent_id, f.item_id) for f in facts} == {(0, 0)}


def test_rectified_on_the_last_day_is_on_time():
    facts = facts_of_rectification(rect(), review=review(2), revisits=1, appeal_upheld=False, item_id=11)
    assert metrics(facts) == ["rectification.due", "rectification.on_time", "revisit.done", "revisit.due"]
    due = [f for f in facts if f.metric.startswith("rectification")]
    assert {f.day for f in due} == {dt.date(2025, 7, 7)}
    visits = [f for f in facts if f.metric.startswith("revisit")]
    assert {f.day for f in visits} == {dt.date(2025, 6, 30)}


def test_late_rectification():
    facts = facts_of_rectification(
        rect(rectified_on=dt.date(2025, 7, 8)), review=review(1), revisits=1, appeal_upheld=False
    )
    assert "rectification.on_time" not in metrics(facts) and "rectification.due" in metrics(facts)


@pytest.mark.parametrize("status", ["pending", "rectifying"])
def test_open_rectification_is_due_not_on_time(status):
    facts = facts_of_rectification(
        rect(status, rectified_on=None), review=review(1), revisits=0, appeal_upheld=False
    )
    assert metrics(facts) == ["rectification.due", "revisit.due"]


def test_sent_back_has_no_rectified_date():
    facts = facts_of_rectification(
        rect("rectifying", rectified_on=None), review=review(1), revisits=2, appeal_upheld=False
    )
    assert "rectification.on_time" not in metrics(facts)


@pytest.mark.parametrize("status", ["rectified", "fed_back", "closed"])
def test_unfounded_explained_in_time_counts(status):
    facts = facts_of_rectification(
        rect(status, rectified_on=dt.date(2025, 7, 1)),
        review=review(2, real_name=False),
        revisits=0,
        appeal_upheld=False,
    )
    assert metrics(facts) == ["rectification.due", "rectification.on_time"]


def test_anonymous_bad_review_has_no_revisit_facts():
    facts = facts_of_rectification(rect(), review=review(1, real_name=False), revisits=0, appeal_upheld=False)
    assert not [f for f in facts if f.metric.startswith("revisit")]


def test_real_name_without_revisit_is_due_only():
    facts = facts_of_rectification(rect(), review=review(1), revisits=0, appeal_upheld=False)
    assert "revisit.due" in metrics(facts) and "revisit.done" not in metrics(facts)


def test_upheld_appeal_removes_rectification():
    assert facts_of_rectification(rect(), review=review(1), revisits=1, appeal_upheld=True) == []


def test_same_row_same_facts():
    r = rect()
    a = facts_of_rectification(r, review=review(1), revisits=1, appeal_upheld=False)
    b = facts_of_rectification(r, review=review(1), revisits=1, appeal_upheld=False)
    assert a == b
