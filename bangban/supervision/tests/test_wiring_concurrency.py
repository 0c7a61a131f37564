"""Concurrent writes to the review figures keep the counters equal to the recomputation (real threads,
PostgreSQL): an 申诉 decided while its rectification moves, and reviews of one case at once."""

import pytest
from django.db import connection
from django.utils import timezone

from bangban.cases import services as cs
from bangban.cases.tests.conftest import make_item
from bangban.core.testing import make_org, run_together
from bangban.evaluations import services as es
from bangban.evaluations.models import Rectification
from bangban.evaluations.tests.conftest import person
from bangban.supervision.services import facts_recompute, maintained_counts, maintained_rollup

pytestmark = pytest.mark.django_db(transaction=True)


def _skip_sqlite():
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers with a file lock; the threads prove nothing there")


def _assert_counters_equal_recomputation():
    daily, rolled = maintained_counts(), maintained_rollup()
    facts_recompute()
    assert maintained_counts() == daily
    assert maintained_rollup() == rolled


def test_appeal_decided_while_the_rectification_moves():
    _skip_sqlite()
    org = make_org()
    item = make_item(org, "个体工商户登记", promised=5)
    agent, supervisor = org.user("station_agent"), org.user("supervisor")
    rects = []
    for _ in range(3):
        case = cs.case_create(by=agent, kind="help", mode="assist", items=[item], accept_now=True, **person())
        review = es.review_submit_at_window(by=agent, level=1, case=case)
        rect = Rectification.objects.get(review=review)
        es.rectification_revisit(rect=rect, by=agent, called_at=timezone.now(), reached=True)
        rect = es.rectification_verify(rect=rect, by=agent, finding="true", note="属实")
        rects.append((rect, es.appeal_file(review=review, by=agent, reason="误评")))

    def step(i):
        rect, appeal = rects[i // 2]
        if i % 2:
            return es.appeal_decide(appeal=appeal, by=supervisor, upheld=True, reason="成立")
        return es.rectification_rectify(rect=rect, by=agent, action_taken="整改")

    results = run_together(6, step)
    assert all(r[0] == "ok" for r in results), results
    _assert_counters_equal_recomputation()


def test_reviews_of_one_completed_case_at_once():
    _skip_sqlite()
    org = make_org()
    item = make_item(org, "个体工商户登记", promised=5)
    agent = org.user("station_agent")
    case = cs.case_create(
        by=agent, kind="help", mode="assist", items=[item], accept_now=True, **person(phone="0512-68881234")
    )
    case = cs.case_start(case=case, by=agent)
    cs.log_add(case=case, by=agent, text="核对材料")
    case = cs.case_complete(case=case, by=agent, result="已办结")  # a landline: no invitation

    def review(i):
        channel = ("paper", "phone", "paper")[i]
        return es.review_enter(by=agent, channel=channel, level=2 + i, case=case)

    results = run_together(3, review)
    assert sum(r[0] == "ok" for r in results) >= 2, results
    _assert_counters_equal_recomputation()
