import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bangban.emergencies.models import Incident, Plan
from bangban.emergencies.tests.conftest import PDF

pytestmark = pytest.mark.django_db


def test_plan_versions_drill_pdf_and_incident_pages(org, web):
    admin = web(org.user("county_admin"))
    r = admin.post("/emergencies/plans/new/", {"type": "natural", "title": "", "content": "x"})
    assert r.status_code == 400 and "「预案名称」为必填项" in r.content.decode()
    bad = SimpleUploadedFile("x.pdf", b"not a pdf")
    r = admin.post(
        "/emergencies/plans/new/", {"type": "natural", "title": "防汛预案", "content": "x", "pdf": bad}
    )
    assert r.status_code == 400 and "不是 PDF" in r.content.decode()
    pdf = SimpleUploadedFile("防汛.pdf", PDF)
    r = admin.post(
        "/emergencies/plans/new/", {"type": "natural", "title": "防汛预案", "content": "第一版", "pdf": pdf}
    )
    assert r.status_code == 302
    v1 = Plan.objects.get()
    r = admin.get(f"/emergencies/plans/{v1.pk}/plan.pdf")
    assert r.status_code == 200 and b"".join(r.streaming_content) == PDF
    admin.post("/emergencies/plans/new/", {"type": "natural", "title": "防汛预案", "content": "第二版"})
    page = admin.get(f"/emergencies/plans/{v1.pk}/").content.decode()
    assert "已废止" in page and "第一版" in page
    r = admin.post(
        f"/emergencies/plans/{v1.pk}/drills/new/",
        {"held_on": "2025-03-01", "participants": "", "scenario": "x"},
    )
    assert r.status_code == 400 and "参演人员" in r.content.decode()
    r = admin.post(
        f"/emergencies/plans/{v1.pk}/drills/new/",
        {"held_on": "2025-03-01", "participants": "全体", "scenario": "暴雨"},
    )
    assert r.status_code == 302

    r = admin.post(
        "/emergencies/incidents/new/",
        {"type": "accident", "started_at": "2025-03-05T09:00", "description": "大厅停电"},
    )
    assert r.status_code == 302
    incident = Incident.objects.get()
    r = admin.post(
        f"/emergencies/incidents/{incident.pk}/steps/", {"step-at": "2025-03-05T08:00", "step-text": "x"}
    )
    assert r.status_code == 400 and "早于发生时间" in r.content.decode()
    r = admin.post(
        f"/emergencies/incidents/{incident.pk}/steps/",
        {"step-at": "2025-03-05T09:05", "step-text": "启用应急照明"},
    )
    assert r.status_code == 302
    r = admin.post(
        f"/emergencies/incidents/{incident.pk}/close/",
        {"close-ended_at": "2025-03-05T10:00", "close-reported_to": "区政务办"},
    )
    assert r.status_code == 302
    r = admin.post(f"/emergencies/incidents/{incident.pk}/close/", {"close-ended_at": "2025-03-05T11:00"})
    assert r.status_code == 400 and "已登记结束时间" in r.content.decode()
    page = admin.get("/emergencies/").content.decode()
    assert "防汛预案" in page and "大厅停电" not in page and "事故灾难" in page

    other = web(org.user("other_admin"))
    assert other.get(f"/emergencies/plans/{v1.pk}/").status_code == 404
    assert other.get(f"/emergencies/plans/{v1.pk}/plan.pdf").status_code == 404
    assert other.get(f"/emergencies/incidents/{incident.pk}/").status_code == 404
    assert web(org.user("catalog_admin")).get("/emergencies/").status_code == 403
    assert web(org.user("station_agent")).get("/emergencies/plans/new/").status_code == 403
