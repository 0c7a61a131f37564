"""The 代办 process end to end through the API, with forms A–E and the applicant's messages."""

import datetime
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from pypdf import PdfReader

from bangban.cases.models import Case
from bangban.notifications.models import Message

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def at(y, m, d):
    return time_machine.travel(datetime.datetime(y, m, d, 10, tzinfo=SH), tick=False)


def post(client, url, data=None):
    response = client.post(url, data or {}, format="json")
    assert response.status_code in (200, 201), (url, response.status_code, response.json())
    return response.json()


def test_agency_case_end_to_end_through_the_api(org, items, api, django_capture_on_commit_callbacks):
    client = api(org.user("town_agent"))
    with django_capture_on_commit_callbacks(execute=True):
        _run_agency_flow(client, items)
    cid = Case.objects.get().pk
    texts = list(Message.objects.filter(object_id=str(cid)).order_by("id").values_list("event", "status"))
    # Completion also invites the applicant to rate the service (evaluations, 智能邀评).
    assert texts == [
        ("accepted", "sent"),
        ("suspended", "sent"),
        ("resumed", "sent"),
        ("completed", "sent"),
        ("review_invite", "sent"),
    ]


def _run_agency_flow(client, items):
    with at(2025, 9, 30):
        case = post(
            client,
            "/api/v1/cases/",
            {
                "kind": "agency",
                "mode": "agency",
                "applicant_type": "person",
                "applicant_name": "王阿婆",
                "id_number": "11010519491231002X",
                "phone": "13812345678",
                "items": [items["license"].pk],
                "priority_group": "elderly",
                "channel": "door",
                "summary": "行动不便，委托代办个体户登记",
            },
        )
        cid = case["id"]
        assert case["status"] == "consulting" and case["applicant_id"] == "1101**********002X"
        assert "id_number" not in case
        case = post(
            client, f"/api/v1/cases/{cid}/analyse/", {"analysis": "全程代办", "version": case["version"]}
        )
        case = post(
            client,
            f"/api/v1/cases/{cid}/entrust/",
            {
                "scope": "whole",
                "period_start": "2025-09-30",
                "period_end": "2025-12-31",
                "materials_text": "身份证复印件",
                "version": case["version"],
            },
        )
        assert case["due_date"] == "2025-10-14"
        post(client, f"/api/v1/cases/{cid}/materials/", {"name": "房产证", "form": "original"})
        case = post(client, f"/api/v1/cases/{cid}/start/")
    with at(2025, 10, 9):
        case = post(client, f"/api/v1/cases/{cid}/suspend/", {"reason": "materials", "detail": "缺场所证明"})
        assert case["status"] == "suspended" and case["due_date"] is None
    with at(2025, 10, 20):
        case = post(client, f"/api/v1/cases/{cid}/resume/", {"period_end": "2025-12-31"})
        assert case["due_date"] == "2025-10-24"
        post(client, f"/api/v1/cases/{cid}/log/", {"text": "已向市场监管局提交材料"})
        # Completion refused while the original is still with the agent — then returned.
        refused = client.post(f"/api/v1/cases/{cid}/complete/", {"result": "办结"}, format="json")
        assert refused.status_code == 400 and refused.json()["code"] == "materials_out"
        material = case["materials"][0]["id"]
        post(client, f"/api/v1/case-materials/{material}/return/")
        case = post(client, f"/api/v1/cases/{cid}/complete/", {"result": "营业执照已送达"})
    assert case["status"] == "completed"
    assert [f["code"] for f in case["forms"]] == ["A", "B", "C", "D", "E"]
    number = case["number"]
    for form in case["forms"]:
        response = client.get(form["url"])
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
        assert number in text
    timeline = [e["type"] for e in case["events"]]
    assert {"transition", "log", "material", "deadline"} <= set(timeline)


def test_api_errors_name_the_field_and_save_nothing(org, items, api):
    client = api(org.user("town_agent"))
    response = client.post(
        "/api/v1/cases/",
        {
            "kind": "help",
            "mode": "assist",
            "applicant_type": "person",
            "applicant_name": "张三",
            "id_number": "110105194912310021",
            "phone": "13812345678",
            "items": [items["license"].pk],
        },
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert (
        body["code"] == "invalid"
        and body["errors"][0]["field"] == "id_number"
        and "校验位" in body["message"]
    )
    response = client.post("/api/v1/cases/", {"kind": "help"}, format="json")
    assert response.status_code == 400 and {e["field"] for e in response.json()["errors"]} >= {
        "mode",
        "phone",
    }
    assert not Case.objects.exists()


def test_api_scope_and_concurrency_guard(org, items, api):
    mine = api(org.user("station_agent"))
    case = mine.post(
        "/api/v1/cases/",
        {
            "kind": "help",
            "mode": "assist",
            "applicant_type": "person",
            "applicant_name": "张三",
            "id_number": "11010519491231002X",
            "phone": "13812345678",
            "items": [items["license"].pk],
        },
        format="json",
    ).json()
    other = api(org.user("station2_agent"))
    assert other.get(f"/api/v1/cases/{case['id']}/").status_code == 404
    assert other.post(f"/api/v1/cases/{case['id']}/apply/", {}, format="json").status_code == 404
    assert other.get(f"/api/v1/cases/{case['id']}/forms/A.pdf").status_code == 404
    assert case["id"] not in [c["id"] for c in other.get("/api/v1/cases/").json()["results"]]
    assert case["id"] in [
        c["id"] for c in api(org.user("town_agent")).get("/api/v1/cases/").json()["results"]
    ]
    stale = mine.post(f"/api/v1/cases/{case['id']}/apply/", {"version": case["version"] + 5}, format="json")
    assert stale.status_code == 400 and stale.json()["code"] == "stale"


def test_form_pdf_answers_a_client_asking_for_pdf(org, items, api):
    client = api(org.user("station_agent"))
    case = client.post(
        "/api/v1/cases/",
        {
            "kind": "help",
            "mode": "assist",
            "applicant_type": "person",
            "applicant_name": "张三",
            "id_number": "11010519491231002X",
            "phone": "13812345678",
            "items": [items["license"].pk],
            "accept_now": True,
        },
        format="json",
    ).json()
    form = client.get(f"/api/v1/cases/{case['id']}/forms/A.pdf", HTTP_ACCEPT="application/pdf")
    assert form.status_code == 200 and form.content.startswith(b"%PDF")  # was 406 (core/downloads.py)
    assert client.get(f"/api/v1/cases/{case['id']}/forms/A.pdf", HTTP_ACCEPT="text/csv").status_code == 406


def test_work_queue_sorted_by_traffic_light(org, items, api):
    client = api(org.user("town_agent"))
    payload = {
        "kind": "help",
        "mode": "assist",
        "applicant_type": "person",
        "applicant_name": "甲",
        "id_number": "11010519491231002X",
        "phone": "13812345678",
        "accept_now": True,
    }
    with at(2025, 9, 1):
        late = post(client, "/api/v1/cases/", payload | {"items": [items["license"].pk]})
    with at(2025, 10, 13):
        soon = post(client, "/api/v1/cases/", payload | {"items": [items["immediate"].pk]})
        fine = post(client, "/api/v1/cases/", payload | {"items": [items["license"].pk]})
        queue = client.get("/api/v1/cases/?mine=1&open=1").json()["results"]
        assert [c["id"] for c in queue] == [late["id"], soon["id"], fine["id"]]
        assert [c["light"] for c in queue] == ["red", "yellow", "green"]
        reds = client.get("/api/v1/cases/?light=red").json()["results"]
        assert [c["id"] for c in reds] == [late["id"]]


def test_create_serializer_fields_are_built_once_per_thread_and_validate_like_drf():
    import threading

    from bangban.cases.api import CaseCreateSerializer

    a, b = CaseCreateSerializer(data={}), CaseCreateSerializer(data={})
    assert a.fields is b.fields  # built once for this thread
    other = []
    thread = threading.Thread(target=lambda: other.append(CaseCreateSerializer(data={}).fields))
    thread.start()
    thread.join()
    assert other[0] is not a.fields and other[0]["items"].child is not a.fields["items"].child
    assert not a.is_valid()
    assert {"kind", "mode", "applicant_type", "applicant_name", "phone", "items"} <= set(a.errors)
    ok = CaseCreateSerializer(
        data={
            "kind": "help",
            "mode": "assist",
            "applicant_type": "person",
            "applicant_name": "张三",
            "phone": "13812345678",
            "items": ["3", 4],
            "accept_now": "true",
        }
    )
    assert ok.is_valid(), ok.errors
    assert ok.validated_data["items"] == [3, 4] and ok.validated_data["accept_now"] is True
    assert "items" in a.errors and not ok.errors  # each instance keeps its own outcome
    bad = CaseCreateSerializer(data={**ok.initial_data, "kind": "x", "items": ["a"]})
    assert not bad.is_valid() and set(bad.errors) == {"kind", "items"}
    assert ok.validated_data["kind"] == "help"
