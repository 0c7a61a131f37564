import pytest

from bangban.emergencies.models import Incident, Plan
from bangban.emergencies.tests.conftest import PDF

pytestmark = pytest.mark.django_db


def test_plans_drills_incidents_through_the_api(org, api):
    import io

    admin = api(org.user("county_admin"))
    f = io.BytesIO(PDF)
    f.name = "预案.pdf"
    r = admin.post(
        "/api/v1/emergencies/plans/",
        {"type": "health", "title": "公共卫生应急预案", "content": "……", "pdf": f},
        format="multipart",
    )
    assert r.status_code == 201, r.json()
    v1 = r.json()
    assert v1["version"] == 1 and v1["has_pdf"] and v1["type"] == "health"
    r = admin.post(
        "/api/v1/emergencies/plans/",
        {"type": "health", "title": "公共卫生应急预案", "content": "修订"},
        format="json",
    )
    assert r.json()["version"] == 2
    assert admin.get("/api/v1/emergencies/plans/").json()["count"] == 1
    assert admin.get("/api/v1/emergencies/plans/", {"all_versions": "true"}).json()["count"] == 2

    r = admin.post(
        "/api/v1/emergencies/drills/",
        {
            "plan": v1["id"],
            "held_on": "2025-03-01",
            "participants": "全体窗口人员",
            "scenario": "发现发热群众",
        },
        format="json",
    )
    assert r.status_code == 201, r.json()
    assert admin.get("/api/v1/emergencies/drills/").json()["count"] == 1

    r = admin.post(
        "/api/v1/emergencies/incidents/",
        {
            "type": "accident",
            "started_at": "2025-03-05T09:00:00+08:00",
            "description": "大厅停电",
            "ended_at": "2025-03-05T10:00:00+08:00",
            "reported_to": "区政务办",
            "steps": [{"at": "2025-03-05T09:05:00+08:00", "text": "启用应急照明"}],
        },
        format="json",
    )
    assert r.status_code == 201, r.json()
    assert [s["text"] for s in r.json()["steps"]] == ["启用应急照明"]


def test_bad_input_and_refusals(org, api):
    admin = api(org.user("county_admin"))
    r = admin.post(
        "/api/v1/emergencies/plans/", {"type": "flood", "title": "", "content": "x"}, format="json"
    )
    assert r.status_code == 400 and {e["field"] for e in r.json()["errors"]} == {"type", "title"}
    r = admin.post(
        "/api/v1/emergencies/incidents/",
        {
            "type": "accident",
            "started_at": "2025-03-05T09:00:00+08:00",
            "description": "x",
            "ended_at": "2025-03-05T08:00:00+08:00",
        },
        format="json",
    )
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "ended_at"
    plan = admin.post(
        "/api/v1/emergencies/plans/", {"type": "surge", "title": "t", "content": "c"}, format="json"
    ).json()
    r = api(org.user("town_admin")).post(
        "/api/v1/emergencies/drills/",
        {"plan": plan["id"], "held_on": "2025-03-01", "participants": "x", "scenario": "y"},
        format="json",
    )
    assert r.status_code == 404
    r = api(org.user("station_agent")).post(
        "/api/v1/emergencies/plans/", {"type": "surge", "title": "t", "content": "c"}, format="json"
    )
    assert r.status_code == 403
    assert api(org.user("catalog_admin")).get("/api/v1/emergencies/plans/").status_code == 403
    assert Plan.objects.count() == 1 and not Incident.objects.exists()
