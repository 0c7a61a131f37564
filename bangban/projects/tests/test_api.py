"""The issue's journey through the API, and bad input answered with the field and the rule."""

import pytest

from bangban.projects.models import Project, ProjectItem
from bangban.projects.tests.conftest import CREDIT, at

pytestmark = pytest.mark.django_db

URL = "/api/v1/projects/"


def _payload(org, **kw):
    return {
        "name": "智能装备产业园",
        "project_type": "industrial",
        "level": "provincial",
        "investor_name": "苏州智能装备有限公司",
        "investor_credit_code": CREDIT,
        "investment": "120000.00",
        "division": "320505",
        "lead_agent": org.user("county_agent").pk,
        "coordinator": org.user("coordinator").pk,
        "contact_name": "王总",
        "phone": "13912345678",
        "entrustment_scope": "全流程代办",
        "entrustment_start": "2026-03-01",
        "entrustment_end": "2027-02-28",
    } | kw


def test_the_journey_through_the_api(porg, api):
    coordinator, agent = api(porg.user("coordinator")), api(porg.user("county_agent"))
    with at(2026, 3, 2):
        r = coordinator.post(URL, _payload(porg), format="json")
        assert r.status_code == 201, r.json()
        project = r.json()
        items = {i["name"]: i for i in project["items"]}
        assert len(items) == 15 and project["light"] == "green"
        # The lead agent starts 备案, completes it, then three departments' items in parallel.
        beian = items["企业投资项目备案"]
        assert (
            agent.post(f"{URL}items/{beian['id']}/start/", {"version": 0}, format="json").status_code == 200
        )
        assert (
            agent.post(f"{URL}items/{beian['id']}/complete/", {"text": "已备案"}, format="json").status_code
            == 200
        )
        refused = agent.post(f"{URL}items/{items['建设用地规划许可证']['id']}/start/", {}, format="json")
        assert refused.status_code == 400 and "前置事项" in refused.json()["message"]
        for name in ("节能审查", "建设项目用地预审与选址意见书", "环境影响评价审批"):
            assert agent.post(f"{URL}items/{items[name]['id']}/start/", {}, format="json").status_code == 200
        # A request to 自然资源 with the default 1 working day.
        r = coordinator.post(
            f"{URL}{project['id']}/requests/",
            {"department": porg.depts["zrzy"].pk, "kind": "document", "text": "选址需要哪些材料"},
            format="json",
        )
        assert r.status_code == 201 and r.json()["due"] == "2026-03-03"
        request_id = r.json()["id"]
    liaison = api(porg.user("zrzy_liaison"))
    with at(2026, 3, 4):  # a day late: the request is with the 首席协办员
        queue = liaison.get(f"{URL}requests/").json()["results"]
        assert [q["current_level"] for q in queue] == [1]
        r = liaison.post(
            f"{URL}requests/{request_id}/answer/", {"text": "需提供规划条件和红线图"}, format="json"
        )
        assert r.status_code == 200 and r.json()["level"] == 1
        # A meeting's decision becomes an action item and is closed.
        r = coordinator.post(
            f"{URL}{project['id']}/meetings/",
            {
                "kind": "coordination",
                "held_on": "2026-03-04",
                "attendees": "发改、自然资源、生态环境",
                "agenda": "用地预审提速",
                "departments": [porg.depts["zrzy"].pk],
                "decisions": [
                    {
                        "decision": "自然资源局两日内出具预审意见",
                        "owner": porg.user("zrzy_liaison").pk,
                        "limit_workdays": 2,
                    }
                ],
            },
            format="json",
        )
        assert r.status_code == 201, r.json()
        action = r.json()["actions"][0]
        assert action["due"] == "2026-03-06"
        r = liaison.post(f"{URL}actions/{action['id']}/close/", {"text": "已出具"}, format="json")
        assert r.status_code == 200 and r.json()["closed_on"] == "2026-03-04"
    with at(2026, 3, 20):  # 节能审查 (10 days from 3-2) is late: red on the wall and in the Gantt
        gantt = coordinator.get(f"{URL}{project['id']}/gantt/").json()
        row = next(i for i in gantt["items"] if i["name"] == "节能审查")
        assert row["light"] == "red" and row["planned_start"] and row["actual_start"] == "2026-03-02"
        assert any(i["critical"] for i in gantt["items"])
        wall = coordinator.get(f"{URL}wall/").json()
        assert wall["by_light"]["red"] == 1 and wall["items_late"] >= 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"investor_credit_code": "91350100M000100Y4"}, "investor_credit_code"),
        ({"investment": "1e9999"}, "investment"),
        ({"lead_agent": 2**60}, "lead_agent"),
        ({"name": "x" * 201}, "name"),
        ({"level": "galactic"}, "level"),
    ],
)
def test_bad_input_names_the_field(porg, api, change, field):
    r = api(porg.user("coordinator")).post(URL, _payload(porg, **change), format="json")
    assert r.status_code == 400
    assert field in str(r.json())
    assert not Project.objects.exists()


def test_out_of_scope_is_a_plain_404(porg, api):
    r = api(porg.user("coordinator")).post(URL, _payload(porg), format="json")
    pid = r.json()["id"]
    item_id = ProjectItem.objects.filter(project_id=pid).first().pk
    other = api(porg.user("other_admin"))
    assert other.get(f"{URL}{pid}/").status_code == 404
    assert other.post(f"{URL}items/{item_id}/start/", {}, format="json").status_code == 404
    assert api(porg.user("fgw_liaison")).get(f"{URL}{pid}/").status_code == 404
    assert api(porg.user("coordinator")).get(f"{URL}999999/gantt/").status_code == 404
