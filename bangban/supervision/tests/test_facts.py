"""The counters: the difference of two fact lists, the one upsert statement on both databases,
counters kept by the case services equal to the recomputation from raw rows."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from bangban.cases import indicators, services
from bangban.cases.models import Case
from bangban.supervision import facts
from bangban.supervision.facts import Fact
from bangban.supervision.models import DailyFact, RollupFact
from bangban.supervision.services import (
    facts_recompute,
    maintained_counts,
    maintained_rollup,
    recomputed_counts,
)

SH = ZoneInfo("Asia/Shanghai")
D1 = dt.date(2026, 3, 2)


def at(y, m, d, hour=10):
    return time_machine.travel(dt.datetime(y, m, d, hour, tzinfo=SH), tick=False)


def test_difference_adds_new_removes_old_and_drops_zeros():
    a, b, c = Fact("x", D1, 1), Fact("y", D1, 1), Fact("z", D1, 1, 5, 9)
    assert facts.difference([], [a, b]) == {(1, D1, "x", 0, 0): 1, (1, D1, "y", 0, 0): 1}
    assert facts.difference([a, b], [a, c]) == {(1, D1, "y", 0, 0): -1, (1, D1, "z", 5, 9): 1}
    assert facts.difference([a], [a]) == {}
    assert facts.difference([a], [a, a]) == {(1, D1, "x", 0, 0): 1}


@pytest.mark.django_db
def test_upsert_creates_then_increments_and_decrements():
    f = Fact("case.request", D1, 1, 2, 3)
    facts.apply([], [f])
    facts.apply([], [f, Fact("case.closed", D1, 1)])
    assert DailyFact.objects.get(metric="case.request").n == 2
    assert DailyFact.objects.get(metric="case.closed").n == 1
    facts.apply([f], [])
    assert DailyFact.objects.get(metric="case.request").n == 1
    assert DailyFact.objects.count() == 2  # one row per key, whatever the number of additions
    rollup = {(r.dim, r.grain, r.start, r.metric, r.key): r.n for r in RollupFact.objects.all()}
    blocks = (("d", D1), ("m", dt.date(2026, 3, 1)), ("q", dt.date(2026, 1, 1)), ("y", dt.date(2026, 1, 1)))
    assert rollup == {
        **{("t", g, s, "case.request", 0): 1 for g, s in blocks},
        **{("a", g, s, "case.request", 2): 1 for g, s in blocks},
        **{("i", g, s, "case.request", 3): 1 for g, s in blocks},
        **{(dim, g, s, "case.closed", 0): 1 for dim in "tai" for g, s in blocks},
    }


@pytest.mark.django_db
def test_upsert_in_chunks(monkeypatch):
    monkeypatch.setattr(facts, "MAX_ROWS_PER_STATEMENT", 3)
    new = [Fact("case.request", D1 + dt.timedelta(days=i), 1) for i in range(7)]
    facts.apply([], new + new)
    assert sorted(DailyFact.objects.values_list("n", flat=True)) == [2] * 7


def _person(**extra):
    return {
        "applicant_type": "person",
        "applicant_name": "张三",
        "id_number": "11010519491231002X",
        "phone": "13812345678",
    } | extra


def _counters_match():
    maintained = maintained_counts(indicators.METRICS)
    recomputed = recomputed_counts()
    assert maintained == recomputed
    assert maintained_rollup(indicators.METRICS) == facts.rollup(recomputed)
    return maintained


def _metric_total(metric):
    return sum(n for (_, _, m, _, _), n in maintained_counts([metric]).items())


@pytest.mark.django_db
def test_counters_follow_every_case_service_and_equal_the_recomputation(org, items):
    agent, town2_agent = org.user("town_agent"), org.user("town2_agent")
    with at(2026, 3, 2):
        window = services.case_create(
            by=agent, kind="help", mode="assist", items=[items["license"], items["immediate"]],
            accept_now=True, **_person(),
        )  # fmt: skip
        online = services.case_create(
            by=agent, kind="help", mode="assist", items=[items["license"]], channel="online", **_person()
        )
        late_online = services.case_create(
            by=agent, kind="agency", mode="agency", items=[items["license"]], channel="door", **_person()
        )
        _counters_match()
        assert _metric_total(indicators.REQUEST) == 3
        assert _metric_total(indicators.RESPONDED) == 1
    with at(2026, 3, 3):  # the next working day: online answered in time
        services.case_apply(case=online, by=agent)
        services.case_accept(case=online, by=agent)
        _counters_match()
        assert _metric_total(indicators.RESPONDED) == 2
    with at(2026, 3, 5):  # two working days: the door request answered late
        services.case_analyse(case=late_online, by=agent, analysis="需全程代办")
        services.case_entrust(
            case=late_online, by=agent, scope="whole",
            period_start=dt.date(2026, 3, 5), period_end=dt.date(2026, 6, 30),
        )  # fmt: skip
        services.case_start(case=late_online, by=agent)
        services.case_suspend(case=late_online, by=agent, reason="materials")
        assert _metric_total(indicators.RESPONDED) == 2
        services.case_start(case=window, by=agent)
        services.log_add(case=window, by=agent, text="已电话告知申请人所需材料")
        services.case_complete(case=window, by=agent, result="已领取营业执照")
        _counters_match()
        assert _metric_total(indicators.COMPLETED_ON_TIME) == 1
        assert _metric_total(indicators.RECORD_COMPLETE) == 1
    with at(2026, 3, 9):
        services.case_resume(case=late_online, by=agent, period_end=dt.date(2026, 6, 30))
        services.transfer_send(case=online, by=agent, to_institution=org.town2, reason="属地办理")
        transfer = online.transfers.get()
        services.transfer_accept(transfer=transfer, by=town2_agent)
        online.refresh_from_db()
        services.case_start(case=online, by=town2_agent)
        _counters_match()
        # the request moved with the case to the receiving institution and agent
        moved = maintained_counts([indicators.REQUEST])
        assert (
            moved[
                (org.town2.pk, dt.date(2026, 3, 2), indicators.REQUEST, town2_agent.pk, items["license"].pk)
            ]
            == 1
        )
    with at(2026, 3, 20):  # long past its 5 working days
        services.case_complete(case=online, by=town2_agent, result="已办结")
        services.case_terminate(case=late_online, by=agent, reason="申请人撤回委托")
        services.case_archive(case=Case.objects.get(pk=window.pk), by=agent)
        services.log_add(case=Case.objects.get(pk=online.pk), by=town2_agent, text="补记办结后回访")
        counts = _counters_match()
    assert _metric_total(indicators.CLOSED) == 3
    assert _metric_total(indicators.RESOLVED) == 2
    assert _metric_total(indicators.COMPLETED) == 2
    assert _metric_total(indicators.COMPLETED_ON_TIME) == 1
    assert _metric_total(indicators.RECORD_COMPLETE) == 2
    # a multi-item case counts once, under its first item
    assert (
        sum(n for k, n in counts.items() if k[2] == indicators.REQUEST and k[4] == items["immediate"].pk) == 0
    )
    # the recomputation rebuilds exactly what the services kept
    DailyFact.objects.update(n=0)
    RollupFact.objects.update(n=5)
    facts_recompute()
    assert maintained_counts(indicators.METRICS) == counts
    assert maintained_rollup(indicators.METRICS) == facts.rollup(counts)


@pytest.mark.django_db
def test_a_refused_service_changes_no_counter(org, items):
    agent = org.user("town_agent")
    case = services.case_create(
        by=agent, kind="help", mode="assist", items=[items["license"]], accept_now=True, **_person()
    )
    before = maintained_counts()
    from bangban.core.errors import ServiceError

    with pytest.raises(ServiceError):
        services.case_complete(case=case, by=agent, result="")  # not in progress, no result
    assert maintained_counts() == before


def test_recompute_command_runs(db, org, items, capsys):
    from django.core.management import call_command

    services.case_create(
        by=org.user("town_agent"), kind="help", mode="assist", items=[items["license"]], **_person()
    )
    DailyFact.objects.all().delete()
    call_command("recompute_facts", batch=1)
    out = capsys.readouterr().out
    assert "重算完成：2 条计数" in out
    assert "办件：共 1 条记录，2 个计数" in out  # the progress, kind by kind
    assert "办件：修正日计数 2 个" in out
    assert maintained_counts(indicators.METRICS) == recomputed_counts()
    assert _metric_total(indicators.REQUEST) == 1


@pytest.mark.django_db
def test_migration_fills_quarters_and_years_from_the_months():
    """supervision 0003 on counters written before it (days and months only) gives the rollup the
    services write now."""
    import importlib
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    migration = importlib.import_module("bangban.supervision.migrations.0003_rollup_quarters_and_years")
    days = [dt.date(2025, 12, 31), dt.date(2026, 1, 1), dt.date(2026, 3, 31), dt.date(2026, 4, 1), D1]
    facts.apply(
        [],
        [
            Fact(m, d, i, a, 7)
            for m in ("case.request", "case.closed")
            for d in days
            for i, a in ((1, 2), (3, 0))
        ],
    )
    written = maintained_rollup()
    RollupFact.objects.filter(grain__in=["q", "y"]).delete()
    migration.fill(apps, SimpleNamespace(connection=connection))
    assert maintained_rollup() == written
    migration.empty(apps, SimpleNamespace(connection=connection))
    assert set(RollupFact.objects.values_list("grain", flat=True)) == {"d", "m"}
