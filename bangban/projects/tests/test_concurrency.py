"""Two people acting on one item at once: it changes once (real threads, both databases)."""

import pytest

from bangban.core.testing import run_together
from bangban.projects import services
from bangban.projects.models import ItemStatus, ProjectEvent, ProjectItem
from bangban.projects.tests.conftest import add_departments, item, register

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_starts_start_the_item_once():
    from bangban.core.testing import make_org

    org = add_departments(make_org())
    p = register(org)
    beian = item(p, "企业投资项目备案")
    people = [org.user("county_agent"), org.user("coordinator")]
    results = run_together(
        2, lambda i: services.item_start(by=people[i], item=ProjectItem.objects.get(pk=beian.pk)).version
    )
    assert sorted(r[0] for r in results) == ["error", "ok"], results
    assert [r[1] for r in results if r[0] == "error"][0] in ("invalid_transition", "stale")
    beian.refresh_from_db()
    assert beian.status == ItemStatus.RUNNING and beian.version == 1
    assert ProjectEvent.objects.filter(item=beian, action="item.start").count() == 1
    # A stale version from a page read before the start is refused.
    results = run_together(
        2,
        lambda i: services.item_complete(
            by=people[i], item=ProjectItem.objects.get(pk=beian.pk), result=f"结果{i}", expected_version=1
        ).version,
    )
    assert sorted(r[0] for r in results) == ["error", "ok"], results
    beian.refresh_from_db()
    assert beian.status == ItemStatus.DONE and beian.version == 2


def test_concurrent_starts_open_one_case_and_one_task():
    from bangban.cases.models import Case, JointTask
    from bangban.cases.tests.conftest import make_item
    from bangban.core.testing import make_org

    org = add_departments(make_org())
    make_item(org, "企业投资项目备案")
    p = register(org)
    beian = item(p, "企业投资项目备案")
    people = [org.user("county_agent"), org.user("coordinator")]
    results = run_together(
        2, lambda i: services.item_start(by=people[i], item=ProjectItem.objects.get(pk=beian.pk)).version
    )
    assert sorted(r[0] for r in results) == ["error", "ok"], results
    beian.refresh_from_db()
    assert Case.objects.count() == 1 and JointTask.objects.count() == 1
    assert beian.case == Case.objects.get() and beian.task == JointTask.objects.get()


def test_two_items_started_at_once_share_one_project_case():
    from bangban.cases.models import Case, JointTask
    from bangban.core.testing import make_org

    org = add_departments(make_org())
    p = register(org)
    names = ["企业投资项目备案", "环境影响评价审批"]
    item(p, names[1]).depends_on.clear()  # two items with nothing before them (并联)
    people = [org.user("county_agent"), org.user("coordinator")]
    results = run_together(
        2, lambda i: services.item_start(by=people[i], item=ProjectItem.objects.get(pk=item(p, names[i]).pk))
    )
    assert [r[0] for r in results] == ["ok", "ok"], results
    p.refresh_from_db()
    assert Case.objects.count() == 1 and p.case == Case.objects.get()
    assert set(JointTask.objects.filter(case=p.case).values_list("description", flat=True)) == {
        f"重点项目「{p.name}」事项「{n}」" for n in names
    }
