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
