"""Scope and the wall: a department liaison sees only their department's items and requests; the
wall's SQL lights agree with the pure rule on every project."""

import pytest
import time_machine

from bangban.core.errors import NotInScope
from bangban.projects import rules, selectors, services
from bangban.projects.models import ItemStatus
from bangban.projects.tests.conftest import at, item, register

pytestmark = pytest.mark.django_db


def test_a_liaison_sees_only_their_departments_items_and_requests(porg):
    p = register(porg)
    coordinator = porg.user("coordinator")
    services.request_send(
        by=coordinator, project=p, department=porg.depts["zrzy"], kind="question", text="选址"
    )
    services.request_send(
        by=coordinator, project=p, department=porg.depts["sthj"], kind="question", text="环评"
    )
    queue = selectors.department_queue(user=porg.user("zrzy_liaison"))
    assert {i.department_id for i in queue["items"]} == {porg.depts["zrzy"].pk}
    assert queue["items"].count() == 3
    assert [r.text for r in queue["requests"]] == ["选址"]
    # Neither a whole project nor another department's item or request.
    with pytest.raises(NotInScope):
        selectors.project_get(user=porg.user("zrzy_liaison"), pk=p.pk)
    with pytest.raises(NotInScope):
        selectors.item_get(user=porg.user("zrzy_liaison"), pk=item(p, "环境影响评价审批").pk)
    assert selectors.item_get(user=porg.user("zrzy_liaison"), pk=item(p, "建设用地规划许可证").pk)
    assert selectors.project_list(user=porg.user("zrzy_liaison")).count() == 0


def test_center_staff_see_their_tree_only(porg):
    p = register(porg)
    assert selectors.project_get(user=porg.user("supervisor"), pk=p.pk) == p
    for outsider in ("other_admin", "town_admin"):
        with pytest.raises(NotInScope):
            selectors.project_get(user=porg.user(outsider), pk=p.pk)
        assert selectors.project_list(user=porg.user(outsider)).count() == 0
    with pytest.raises(NotInScope):
        selectors.project_get(user=porg.user("coordinator"), pk="abc")
    assert selectors.wall_data(user=porg.user("other_admin"))["total"] == 0


def test_wall_lights_agree_with_the_pure_rule(porg):
    agent = porg.user("county_agent")
    with at(2026, 3, 2):
        on_time = register(porg, name="准时项目")
        late = register(porg, name="超期项目")
        warn = register(porg, name="预警项目")
        for p in (on_time, late, warn):
            services.item_start(by=agent, item=item(p, "企业投资项目备案"))  # due 3-5
        services.item_complete(by=agent, item=item(on_time, "企业投资项目备案"))
    with at(2026, 3, 3):
        services.item_complete(by=agent, item=item(warn, "企业投资项目备案"))
        services.item_start(by=agent, item=item(warn, "环境影响评价审批"))  # due 3-24
    with at(2026, 3, 23):
        wall = selectors.wall_data(user=porg.user("coordinator"))
        expected = {p.name: selectors.project_light(selectors.item_rows(p)) for p in (on_time, late, warn)}
    got = {row["name"]: row["light"] for _name, rows in wall["columns"] for row in rows}
    assert got == expected
    assert got["超期项目"] == rules.RED
    # Items late on the wall = red open items by the pure rule, summed over projects.
    with at(2026, 3, 23):
        red_items = sum(
            1
            for p in (on_time, late, warn)
            for r in selectors.item_rows(p)
            if r.light == rules.RED and r.item.status != ItemStatus.DONE
        )
    assert wall["items_late"] == red_items > 0
    columns = dict(wall["columns"])
    assert {r["name"] for r in columns["立项"]} == {"超期项目", "准时项目", "预警项目"}


def test_wall_counts_average_stage_days_and_days_to_permit(porg):
    agent = porg.user("county_agent")
    with at(2026, 3, 2):
        p = register(porg)
        services.item_start(by=agent, item=item(p, "企业投资项目备案"))
    with at(2026, 3, 4):
        services.item_complete(by=agent, item=item(p, "企业投资项目备案"))
        services.item_start(by=agent, item=item(p, "节能审查"))
    with at(2026, 3, 9):
        services.item_complete(by=agent, item=item(p, "节能审查"))
        wall = selectors.wall_data(user=porg.user("coordinator"))
    assert dict(wall["avg_days"]) == {"立项": 7.0}
    assert wall["days_to_permit"] is None


def test_wall_averages_are_computed_in_the_database(porg):
    """Stage days and 立项 → 施工许可 days averaged by the database, as the Python definition would."""
    import datetime as dt

    from bangban.projects.models import ProjectStage

    D = dt.date
    with at(2026, 3, 2):
        a, b, c = (register(porg, name=n) for n in ("甲", "乙", "丙"))
    for p, start, permit in ((a, D(2026, 1, 5), D(2026, 2, 4)), (b, D(2026, 1, 10), D(2026, 3, 1))):
        ProjectStage.objects.filter(project=p, name="立项").update(actual_start=start, actual_end=start)
        ProjectStage.objects.filter(project=p, name="施工许可").update(
            actual_start=permit - dt.timedelta(days=5), actual_end=permit
        )
    ProjectStage.objects.filter(project=c, name="立项").update(actual_start=D(2026, 2, 1))  # no permit yet
    with at(2026, 3, 2):
        wall = selectors.wall_board(user=porg.user("coordinator"))
    assert wall["days_to_permit"] == round((30 + 50) / 2, 1) and wall["permit_count"] == 2
    assert dict(wall["avg_days"]) == {"立项": 0.0, "施工许可": 5.0}


def test_the_wall_and_its_panel_are_rebuilt_after_their_seconds(porg, settings):
    """Within BANGBAN_PROJECT_WALL_SECONDS the kept board and panel are served; after them, rebuilt."""
    import datetime as dt

    from bangban.projects.tests.conftest import SH

    settings.BANGBAN_PROJECT_WALL_SECONDS = 10
    coordinator = porg.user("coordinator")

    def wall():
        return selectors.wall_data(user=coordinator)["total"]

    def panel():
        return selectors.wall_html(user=coordinator, render=lambda wall: f"推进中项目 {wall['total']}")

    noon = dt.datetime(2026, 3, 2, 12, tzinfo=SH)
    with time_machine.travel(noon, tick=False):
        register(porg, name="甲")
        assert (wall(), panel()) == (1, "推进中项目 1")
    with time_machine.travel(noon + dt.timedelta(seconds=1), tick=False):
        register(porg, name="乙")
    with time_machine.travel(noon + dt.timedelta(seconds=9), tick=False):  # the kept copies
        assert (wall(), panel()) == (1, "推进中项目 1")
    with time_machine.travel(noon + dt.timedelta(seconds=11), tick=False):  # rebuilt
        assert (wall(), panel()) == (2, "推进中项目 2")
    with time_machine.travel(noon + dt.timedelta(days=1), tick=False):  # a new day, a new board
        register(porg, name="丙")
        assert (wall(), panel()) == (3, "推进中项目 3")
