"""The recomputation under concurrent writes (real threads, PostgreSQL): it reads the raw rows and the
counters in one snapshot without locking, and adds the error it finds there to the counters as they
are then. Services that commit meanwhile must be neither lost nor counted twice, and must not wait
for the rebuild."""

import pytest
from django.db import connection
from django.db.models import F

from bangban.cases import services as cs
from bangban.cases.tests.conftest import make_item
from bangban.core.testing import make_org, run_together
from bangban.evaluations import services as es
from bangban.evaluations.tests.conftest import person
from bangban.supervision import facts
from bangban.supervision.models import DailyFact, RollupFact
from bangban.supervision.services import (
    facts_recompute,
    maintained_counts,
    maintained_rollup,
    recomputed_counts,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world():
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers with a file lock; the threads prove nothing there")
    org = make_org()
    item = make_item(org, "个体工商户登记", promised=5)
    agent = org.user("station_agent")
    cases = [
        cs.case_create(by=agent, kind="help", mode="assist", items=[item], accept_now=True, **person())
        for _ in range(6)
    ]
    cases = [cs.case_start(case=c, by=agent) for c in cases]
    for c in cases[:3]:
        cs.log_add(case=c, by=agent, text="核对材料")
    # An error to repair: counters written around the services (a bulk import, a former bug).
    DailyFact.objects.filter(metric="case.request").update(n=F("n") + 2)
    RollupFact.objects.filter(metric="case.request", grain="m").delete()
    DailyFact.objects.create(institution_id=org.town.pk, day="2026-01-05", metric="case.closed", n=4)
    return agent, item, cases


def _writes(agent, item, cases):
    """Writes of every kind a service makes to the case and review counters: i picks one."""

    def write(i):
        case = cases[i % len(cases)]
        if i % 3 == 0:
            return cs.case_create(
                by=agent, kind="help", mode="assist", items=[item], accept_now=True, **person()
            ).pk
        if i % 3 == 1:
            return cs.case_complete(case=case, by=agent, result="已办结").pk
        return es.review_submit_at_window(by=agent, level=1 + i % 5, case=case).pk

    return write


def _assert_exact():
    recomputed = recomputed_counts()
    assert maintained_counts() == recomputed
    assert maintained_rollup() == facts.rollup(recomputed)


def test_writes_committed_inside_the_snapshot_are_kept_once_and_do_not_wait(world):
    """Deterministic interleaving: once a kind's raw rows are read (its snapshot still open), other
    connections run services and commit; they must finish without waiting for the rebuild."""
    write = _writes(*world)
    done = []

    def progress(message):
        if "条记录" in message and len(done) < 2:  # the end of a kind's reading, inside its snapshot
            results = run_together(3, lambda i: write(len(done) * 3 + i))
            done.append(results)

    facts_recompute(progress=progress)
    assert len(done) == 2
    assert all(r[0] == "ok" for results in done for r in results), done
    _assert_exact()


def test_rebuild_racing_services_is_exact(world):
    write = _writes(*world)
    results = run_together(6, lambda i: facts_recompute() if i == 0 else write(i))
    assert all(r[0] == "ok" for r in results), results
    _assert_exact()


def test_repair_in_small_parts_leaves_no_zero_counters(world):
    """Outside a transaction, in parts of 3 counters: the error is repaired, the counters it brought to
    0 are gone."""
    facts_recompute(batch=3)
    _assert_exact()
    assert not DailyFact.objects.filter(n=0).exists()
    assert not RollupFact.objects.filter(n=0).exists()
