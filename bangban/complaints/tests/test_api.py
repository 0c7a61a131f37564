"""Complaints and consultations through the API: the same rules, scope and errors as the pages."""

import pytest

from bangban.complaints.models import Complaint, Consultation
from bangban.complaints.tests.conftest import at, make_case, register
from bangban.notifications.models import Message

pytestmark = pytest.mark.django_db


def post(client, url, data=None):
    return client.post(url, data or {}, format="json")


def test_a_complaint_runs_its_five_steps_through_the_api(org, api):
    registrar, handler = api(org.user("town_agent")), api(org.user("coordinator"))
    with at(2025, 9, 30):
        r = post(
            registrar,
            "/api/v1/complaints/",
            {
                "channel": "phone",
                "content": "办事大厅排队两小时",
                "complainant_name": "李四",
                "phone": "13912345678",
            },
        )
        assert r.status_code == 201, r.json()
        body = r.json()
        assert (
            body["status"] == "received"
            and body["step_due"] == "2025-10-09"
            and body["phone"] == "139****5678"
        )
        assert body["actions"] == []  # the registrar does not handle
        pk = body["id"]
        r = post(handler, f"/api/v1/complaints/{pk}/accept/", {"text": "受理", "version": 0})
        assert r.status_code == 200 and r.json()["status"] == "investigating"
        assert r.json()["actions"] == ["investigate"]
    with at(2025, 10, 20):  # 调查 was due 2025-10-14: late, red
        r = handler.get(f"/api/v1/complaints/{pk}/")
        assert r.json()["late"] is True
        assert [c["id"] for c in handler.get("/api/v1/complaints/?late=true").json()["results"]] == [pk]
        for name, text in [
            ("investigate", "调查属实"),
            ("handle", "已整改"),
            ("answer", "已答复投诉人"),
            ("archive", ""),
        ]:
            r = post(handler, f"/api/v1/complaints/{pk}/{name}/", {"text": text})
            assert r.status_code == 200, (name, r.json())
    body = r.json()
    assert body["status"] == "archived" and body["late"] is False
    assert [s["action"] for s in body["steps"]] == [
        "register",
        "accept",
        "investigate",
        "handle",
        "answer",
        "archive",
    ]
    assert [s["late"] for s in body["steps"]][2] is True
    events = set(Message.objects.filter(object_id=str(pk)).values_list("event", flat=True))
    assert events == {Message.Event.COMPLAINT_IN, Message.Event.COMPLAINT_DONE}


def test_wrong_step_and_stale_version_are_400_with_a_code(org, api):
    c = register(org)
    handler = api(org.user("coordinator"))
    r = post(handler, f"/api/v1/complaints/{c.pk}/answer/", {"text": "答复"})
    assert r.status_code == 400 and r.json()["code"] == "invalid_transition"
    r = post(handler, f"/api/v1/complaints/{c.pk}/accept/", {"version": 5})
    assert r.status_code == 400 and r.json()["code"] == "stale"
    r = post(handler, f"/api/v1/complaints/{c.pk}/accept/", {"text": "x" * 2001})
    assert r.status_code == 400
    assert Complaint.objects.get(pk=c.pk).status == "received"


@pytest.mark.parametrize(
    "data",
    [
        {"channel": "window"},
        {"channel": "fax", "content": "x"},
        {"channel": "window", "content": "x" * 2001},
        {"channel": "window", "content": "x", "anonymous": True, "case": 2**70},
        {"channel": "window", "content": "x", "anonymous": True, "case": "abc"},
        {"channel": "window", "content": "x", "anonymous": True, "case": 0},
        {"channel": "window", "content": "x", "anonymous": True, "agent": 99999},
        {"channel": "window", "content": "x", "complainant_name": ""},
    ],
)
def test_bad_complaint_input_is_400_and_changes_nothing(org, api, data):
    r = post(api(org.user("town_agent")), "/api/v1/complaints/", data)
    assert r.status_code == 400, r.content
    assert not Complaint.objects.exists()


def test_scope_out_of_scope_is_404(org, api, item):
    c = register(org, by="station2_agent")
    station_handler = api(org.user("station_agent"))
    assert station_handler.get(f"/api/v1/complaints/{c.pk}/").status_code == 404
    assert post(api(org.user("other_admin")), f"/api/v1/complaints/{c.pk}/accept/").status_code == 404
    assert api(org.user("other_admin")).get("/api/v1/complaints/").json()["results"] == []
    assert api(org.user("town_agent")).get("/api/v1/complaints/99999999999999999999/").status_code == 404
    case = make_case(org, item, by="town2_agent")
    r = post(
        api(org.user("station_agent")),
        "/api/v1/complaints/",
        {"channel": "window", "content": "x", "anonymous": True, "case": case.pk},
    )
    assert r.status_code == 400 and r.json()["field"] == "case"


def test_bad_list_filters_are_400(org, api):
    client = api(org.user("coordinator"))
    assert client.get("/api/v1/complaints/?from=2025-13-40").status_code == 400
    assert client.get("/api/v1/complaints/?status=nonsense").status_code == 400
    assert client.get("/api/v1/complaints/?institution=abc").status_code == 400
    assert client.get("/api/v1/complaints/?case=99999999999999999999999").status_code == 400
    assert client.get("/api/v1/consultations/?channel=fax").status_code == 400


def test_consultations_through_the_api(org, api, item):
    client = api(org.user("town_agent"))
    with at(2025, 9, 30):
        r = post(
            client,
            "/api/v1/consultations/",
            {
                "channel": "window",
                "question": "怎么办个体户",
                "answer": "带身份证",
                "item": item.pk,
                "resolved": True,
            },
        )
        assert r.status_code == 201, r.json()
        assert r.json()["answered"] is True and r.json()["item_name"] == "个体工商户登记"
        r = post(
            client,
            "/api/v1/consultations/",
            {"channel": "online", "question": "网上问", "phone": "13900001111"},
        )
        online = r.json()
        assert online["answered"] is False and online["answer_due"] == "2025-10-09"
    with at(2025, 10, 10):
        listed = client.get("/api/v1/consultations/").json()["results"]
        assert listed[0]["id"] == online["id"] and listed[0]["late"] is True
        r = post(client, f"/api/v1/consultations/{online['id']}/answer/", {"answer": "可以网上办"})
        assert r.status_code == 200 and r.json()["answered"] is True
        assert (
            post(client, f"/api/v1/consultations/{online['id']}/answer/", {"answer": "again"}).status_code
            == 400
        )
    assert (
        Message.objects.filter(event=Message.Event.CONSULT_ANSWER, object_id=str(online["id"])).count() == 1
    )
    assert (
        post(
            client, "/api/v1/consultations/", {"channel": "window", "question": "q", "item": 2**60}
        ).status_code
        == 400
    )
    assert (
        post(client, "/api/v1/consultations/", {"channel": "window", "question": "q" * 1001}).status_code
        == 400
    )
    assert Consultation.objects.count() == 2
    assert api(org.user("station2_agent")).get(f"/api/v1/consultations/{online['id']}/").status_code == 404


def test_schema_lists_the_operations(org, api):
    r = api(org.user("coordinator")).get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    paths = r.json()["paths"] if r["content-type"].endswith("json") else {}
    if not paths:
        import yaml

        paths = yaml.safe_load(r.content)["paths"]
    for p in [
        "/api/v1/complaints/",
        "/api/v1/complaints/{id}/accept/",
        "/api/v1/complaints/{id}/archive/",
        "/api/v1/consultations/",
        "/api/v1/consultations/{id}/answer/",
    ]:
        assert p in paths, sorted(paths)


def test_reveal_phone_through_the_api(org, api):
    c = register(org)
    r = post(api(org.user("coordinator")), f"/api/v1/complaints/{c.pk}/reveal-phone/")
    assert r.status_code == 200 and r.json() == {"phone": "13912345678"}
    assert (
        post(api(org.user("station2_agent")), f"/api/v1/complaints/{c.pk}/reveal-phone/").status_code == 404
    )
