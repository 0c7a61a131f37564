"""The cached Gantt (selectors.gantt_data) is the Gantt computed now: after every kind of write that
changes what it draws (an item's step, suspension and resumption, its department or limit, a new
dependency), a renamed department, a changed working-day calendar and a new day, the chart served
equals the one computed from the project page's rows (selectors.item_rows, model instances, no
cache), and a chart nothing changed is served from the cache. On the embedded LocMem cache and on
Redis (TEST_REDIS_URL)."""

import datetime as dt

import pytest

from bangban.org.services import department_update
from bangban.projects import selectors, services
from bangban.projects.models import Project
from bangban.projects.tests.conftest import at, item, register
from bangban.workdays.models import CalendarDay
from bangban.workdays.selectors import calendar_changed
from bangban.workdays.services import calendar_day_set

pytestmark = pytest.mark.django_db


def reference(project: Project, on: dt.date) -> dict:
    """The chart from item_rows, as gantt_data computed it before it was cached."""
    rows = selectors.item_rows(project, on, detail=False)
    iso = selectors._iso
    return {
        "today": on.isoformat(),
        "project": {"id": project.pk, "number": project.number, "name": project.name},
        "stages": [
            {
                "name": s.name,
                "planned_start": iso(s.planned_start),
                "planned_end": iso(s.planned_end),
                "actual_start": iso(s.actual_start),
                "actual_end": iso(s.actual_end),
            }
            for s in project.stages.all()
        ],
        "items": [
            {
                "id": r.item.pk,
                "name": r.item.name,
                "stage": r.item.stage.name,
                "department": r.item.department.name if r.item.department else "",
                "status": r.item.status,
                "status_label": r.item.get_status_display(),
                "planned_start": iso(r.item.planned_start),
                "planned_end": iso(r.item.planned_end),
                "actual_start": iso(r.item.actual_start),
                "actual_end": iso(r.item.actual_end or (on if r.item.actual_start else None)),
                "due": iso(r.due),
                "light": r.light,
                "critical": r.critical,
                "needs": r.needs,
            }
            for r in rows
        ],
    }


@pytest.fixture(params=["locmem", "redis"])
def shared_cache(request, settings):
    from django.core.cache import caches

    if request.param == "redis":
        from bangban.core.testing import redis_cache

        with redis_cache(settings):
            yield request.param
        return
    caches["default"].clear()
    yield request.param
    caches["default"].clear()


@pytest.fixture
def computed(monkeypatch):
    """How many charts were computed (cache misses)."""
    calls = []
    real = selectors._gantt_compute

    def counting(*args, **kwargs):
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(selectors, "_gantt_compute", counting)
    return calls


def check(project_pk: int, computed: list, *, recomputed: bool, cached: bool = True) -> dict:
    """The served chart equals the reference; served again unchanged, it comes from the cache
    (unless not `cached`)."""
    project = Project.objects.get(pk=project_pk)  # a request reads the project (and its revision)
    on = services.today()
    before = len(computed)
    chart = selectors.gantt_data(project)
    assert len(computed) == before + (1 if recomputed else 0)
    assert chart == reference(project, on)
    again = selectors.gantt_data(Project.objects.get(pk=project_pk))
    assert again == chart and len(computed) == before + (1 if recomputed else 0) + (0 if cached else 1)
    return chart


def test_the_cached_gantt_equals_the_computed_one_after_each_kind_of_write(
    porg, shared_cache, computed, django_capture_on_commit_callbacks
):
    agent, coordinator = porg.user("county_agent"), porg.user("coordinator")
    with at(2026, 3, 2):
        p = register(porg)
        check(p.pk, computed, recomputed=True)
        check(p.pk, computed, recomputed=False)  # nothing changed: the cached chart

        services.item_start(by=agent, item=item(p, "企业投资项目备案"))
        chart = check(p.pk, computed, recomputed=True)
        assert next(r for r in chart["items"] if r["name"] == "企业投资项目备案")["status"] == "running"
    with at(2026, 3, 4):  # a new day: today's line, running bars and lights move
        check(p.pk, computed, recomputed=True)
        services.item_complete(by=agent, item=item(p, "企业投资项目备案"))
        chart = check(p.pk, computed, recomputed=True)
        assert chart["stages"][0]["actual_start"] == "2026-03-02"
        services.item_start(by=agent, item=item(p, "节能审查"))
        check(p.pk, computed, recomputed=True)
        services.item_start(by=agent, item=item(p, "建设项目用地预审与选址意见书"))
        check(p.pk, computed, recomputed=True)
    with at(2026, 3, 5):
        services.item_suspend(by=agent, item=item(p, "节能审查"), reason="等待补充材料")
        check(p.pk, computed, recomputed=True)
    with at(2026, 3, 9):
        check(p.pk, computed, recomputed=True)
        services.item_resume(by=agent, item=item(p, "节能审查"))
        chart = check(p.pk, computed, recomputed=True)
        assert next(r for r in chart["items"] if r["name"] == "节能审查")["due"] is not None

        # A pending item's limit (replans every pending item and stage) and department.
        pending = item(p, "环境影响评价审批")
        services.item_assign(by=coordinator, item=pending, limit_workdays=pending.limit_workdays + 3)
        check(p.pk, computed, recomputed=True)
        services.item_assign(
            by=coordinator, item=item(p, "环境影响评价审批"), department=porg.depts["zjj"].pk
        )
        chart = check(p.pk, computed, recomputed=True)
        assert next(r for r in chart["items"] if r["name"] == "环境影响评价审批")["department"] == (
            porg.depts["zjj"].name
        )

        # A new dependency: the critical path and the needs change.
        later, earlier = item(p, "环境影响评价审批"), item(p, "建设用地规划许可证")
        services.item_add_dependency(by=coordinator, item=later, needs=earlier)
        chart = check(p.pk, computed, recomputed=True)
        assert earlier.pk in next(r for r in chart["items"] if r["id"] == later.pk)["needs"]

        # A department renamed (committed): the departments' names token changes, the chart is
        # named again.
        with django_capture_on_commit_callbacks(execute=True):
            department_update(
                by=porg.user("county_admin"), department=porg.depts["zjj"], name="区住房和建设局"
            )
        chart = check(p.pk, computed, recomputed=True)
        assert "区住房和建设局" in {r["department"] for r in chart["items"]}
        # Saved again without a new name: nothing to name again.
        with django_capture_on_commit_callbacks(execute=True):
            department_update(
                by=porg.user("county_admin"), department=porg.depts["zjj"], name="区住房和建设局"
            )
        check(p.pk, computed, recomputed=False)

        # A holiday added to the calendar by another process (committed there, announced through
        # the calendar's version token): deadlines and lights are computed again.
        due_before = next(r for r in chart["items"] if r["name"] == "节能审查")["due"]
        CalendarDay.objects.create(date=dt.date(2026, 3, 12), kind="holiday", name="测试", source="admin")
        calendar_changed()
        chart = check(p.pk, computed, recomputed=True)
        due_after = next(r for r in chart["items"] if r["name"] == "节能审查")["due"]
        assert dt.date.fromisoformat(due_after) > dt.date.fromisoformat(due_before)

        # Changed in this transaction, not committed yet: computed, never cached.
        calendar_day_set(by=porg.user("sysadmin"), day=dt.date(2026, 3, 13), kind="holiday", name="测试")
        chart = check(p.pk, computed, recomputed=True, cached=False)
        assert next(r for r in chart["items"] if r["name"] == "节能审查")["due"] > due_after


def test_a_chart_computed_across_a_commit_is_not_kept(porg, monkeypatch):
    """A change committed while a chart is computed (read after the project's revision) leaves a
    chart that is part old, part new: it is served to that request but not kept."""
    from django.core.cache import cache

    with at(2026, 3, 2):
        p = register(porg)
        stale = Project.objects.get(pk=p.pk)
        services.item_start(by=porg.user("county_agent"), item=item(p, "企业投资项目备案"))
        sets = []
        monkeypatch.setattr(cache, "set", lambda *a, **k: sets.append(a[0]))
        selectors.gantt_data(stale)  # its revision was replaced meanwhile
        assert sets == []
        selectors.gantt_data(Project.objects.get(pk=p.pk))
        assert len(sets) == 1


def test_revisions_are_replaced_by_every_item_service_and_kept_by_reads(porg):
    agent, coordinator = porg.user("county_agent"), porg.user("coordinator")
    with at(2026, 3, 2):
        p = register(porg)

        def revision():
            return Project.objects.get(pk=p.pk).revision

        seen = [revision()]
        selectors.gantt_data(Project.objects.get(pk=p.pk))
        selectors.item_rows(p)
        selectors.wall_data(user=coordinator)
        assert revision() == seen[-1]
        for write in (
            lambda: services.item_start(by=agent, item=item(p, "企业投资项目备案")),
            lambda: services.item_suspend(by=agent, item=item(p, "企业投资项目备案"), reason="材料"),
            lambda: services.item_resume(by=agent, item=item(p, "企业投资项目备案")),
            lambda: services.item_complete(by=agent, item=item(p, "企业投资项目备案")),
            lambda: services.item_assign(by=coordinator, item=item(p, "节能审查"), limit_workdays=12),
            lambda: services.item_add_dependency(
                by=coordinator, item=item(p, "环境影响评价审批"), needs=item(p, "建设用地规划许可证")
            ),
        ):
            write()
            assert revision() not in seen
            seen.append(revision())
