"""Concurrent increments are never lost (real threads, real transactions)."""

import datetime as dt
import threading

import pytest
from django.db import connection, transaction

from bangban.cases import indicators, services
from bangban.supervision import facts
from bangban.supervision.facts import Fact
from bangban.supervision.models import DailyFact, RollupFact
from bangban.supervision.services import maintained_counts, maintained_rollup, recomputed_counts

pytestmark = pytest.mark.django_db(transaction=True)
D1 = dt.date(2026, 3, 2)


def run_together(n, fn):
    barrier = threading.Barrier(n)
    errors = []

    def worker(i):
        try:
            barrier.wait(timeout=10)
            fn(i)
        except Exception as exc:  # surfaced in the assertion
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return errors


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises every writer with its database lock; the race needs PostgreSQL")


def test_concurrent_increments_of_the_same_and_overlapping_counters_are_exact(postgres_only):
    shared = Fact("case.request", D1, 1)
    rounds = 20

    def add(i):
        for _ in range(rounds):
            with transaction.atomic():
                # every thread adds to the shared counter and to one of two others, in varying order
                facts.apply([], [Fact("case.closed", D1, 1, i % 2), shared])

    errors = run_together(8, add)
    assert errors == []
    assert DailyFact.objects.get(metric="case.request").n == 8 * rounds
    assert RollupFact.objects.get(metric="case.request", grain="m", dim="t").n == 8 * rounds
    assert sorted(DailyFact.objects.filter(metric="case.closed").values_list("n", flat=True)) == [80, 80]


def test_concurrent_registrations_and_completions_keep_counters_equal_to_recomputation(postgres_only):
    from bangban.cases.tests.conftest import make_item
    from bangban.core.testing import make_org

    org = make_org()
    item = make_item(org, "个体工商户登记", promised=5)
    agent = org.user("town_agent")
    person = {
        "applicant_type": "person",
        "applicant_name": "张三",
        "id_number": "11010519491231002X",
        "phone": "13812345678",
    }
    opened = [
        services.case_start(
            case=services.case_create(
                by=agent, kind="help", mode="assist", items=[item], accept_now=True, **person
            ),
            by=agent,
        )
        for _ in range(6)
    ]

    def work(i):
        if i < 6:
            services.case_complete(case=opened[i], by=agent, result="已办结")
        else:
            services.case_create(by=agent, kind="help", mode="assist", items=[item], **person)

    errors = run_together(12, work)
    assert errors == []
    assert maintained_counts(indicators.METRICS) == recomputed_counts()
    assert maintained_rollup(indicators.METRICS) == facts.rollup(recomputed_counts())
    total = maintained_counts([indicators.REQUEST, indicators.COMPLETED])
    assert sum(n for k, n in total.items() if k[2] == indicators.REQUEST) == 12
    assert sum(n for k, n in total.items() if k[2] == indicators.COMPLETED) == 6
