import io

import pytest
from openpyxl import load_workbook

pytestmark = pytest.mark.django_db


def test_pages_course_session_attendance_record_and_ledger(org, web):
    admin = web(org.user("county_admin"))
    r = admin.post("/training/new/", {"title": "", "hours": "2"})
    assert r.status_code == 400 and "「培训主题」为必填项" in r.content.decode()
    r = admin.post("/training/new/", {"title": "窗口服务礼仪", "hours": "2"})
    assert r.status_code == 302
    course_url = r["Location"]
    agent = org.user("station_agent")
    r = admin.post(
        f"{course_url}sessions/new/",
        {"held_on": "2025-05-06", "place": "区中心", "trainer": "张老师", "attendees": [agent.pk]},
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    session_url = r["Location"]
    assert agent.display_name in admin.get(session_url).content.decode()
    r = admin.post(f"{session_url}attendance/", {"user": agent.pk, "attended": "1", "score": "101"})
    assert r.status_code == 400 and "考试成绩" in r.content.decode()
    r = admin.post(f"{session_url}attendance/", {"user": agent.pk, "attended": "1", "score": "96"})
    assert r.status_code == 302

    own = web(agent).get(f"/training/staff/{agent.pk}/?year=2025").content.decode()
    assert "窗口服务礼仪" in own and "96" in own
    assert web(agent).get(f"/training/staff/{org.user('town_agent').pk}/").status_code == 403
    assert web(org.user("other_admin")).get(f"/training/staff/{agent.pk}/").status_code == 404
    assert web(org.user("other_admin")).get(session_url).status_code == 404
    assert web(agent).get("/training/me/")["Location"] == f"/training/staff/{agent.pk}/"

    admin = web(org.user("county_admin"))
    r = admin.get("/training/ledger.xlsx", {"start": "2025-01-01", "end": "2025-12-31"})
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = list(ws.iter_rows(min_row=3, values_only=True))
    assert [(row[1], row[5], row[7], row[9]) for row in rows] == [
        ("窗口服务礼仪", agent.display_name, "是", 96)
    ]
    r = admin.get("/training/ledger.xlsx", {"start": "2025-01-01", "end": "2026-06-30"})
    assert r.status_code == 400 and "366" in r.content.decode()


def test_staff_overview_page(org, web):
    assert web(org.user("station_agent")).get("/training/staff/").status_code == 403
    page = web(org.user("town_admin")).get("/training/staff/?year=2025").content.decode()
    assert org.user("station_agent").display_name in page and org.user("town2_agent").display_name not in page
