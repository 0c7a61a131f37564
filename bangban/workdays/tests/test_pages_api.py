"""The calendar page and API: who sees and edits what, warnings, and the calculation endpoint."""

import datetime as dt

import pytest

from bangban.audit.models import AuditEvent
from bangban.workdays.models import CalendarDay, CalendarYear

pytestmark = pytest.mark.django_db
D = dt.date


def test_year_page_shows_months_holidays_and_no_warning_for_official_years(org, web):
    page = web(org.user("town_agent")).get("/workdays/2025/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "工作日历 · 2025 年" in html
    assert 'class="cal-holiday" title="2025-10-01 星期三 节假日：国庆节"' in html
    assert 'class="cal-adjusted" title="2025-10-11 星期六 调休上班：国庆节"' in html
    assert "尚未录入" not in html
    assert "维护日历" not in html  # agents only look
    assert "全年工作日 248 天" in html
    assert 'style="' not in html and "<script>" not in html  # CSP: no inline style or script


def test_unknown_year_page_warns_and_offers_confirmation(org, web):
    html = web(org.user("county_admin")).get("/workdays/2027/").content.decode()
    assert "2027 年的法定节假日安排尚未录入" in html
    assert "cal-fallback" in html
    assert "确认 2027 年安排已录入完整" in html
    assert "从数据包导入 2027 年" not in html
    assert web(org.user("county_admin")).get("/workdays/1800/").status_code == 404


def test_home_redirects_to_this_year_and_nav_entry_is_for_managers(org, web):
    response = web(org.user("county_admin")).get("/workdays/")
    assert response.status_code == 302 and response.url.startswith("/workdays/20")
    assert "工作日历" in web(org.user("county_admin")).get("/staff/").content.decode()
    assert "工作日历" not in web(org.user("town_agent")).get("/staff/").content.decode()


def test_manager_marks_and_clears_a_day_through_the_page(org, web):
    client = web(org.user("county_admin"))
    prefilled = client.get("/workdays/2025/?day=2025-10-11").content.decode()
    assert 'value="2025-10-11"' in prefilled
    response = client.post(
        "/workdays/days/set/", {"day": "2025-11-05", "kind": "holiday", "name": "地方节日"}
    )
    assert response.status_code == 302
    assert CalendarDay.objects.get(date=D(2025, 11, 5)).name == "地方节日"
    html = client.get(response.url).content.decode()
    assert "已将 2025-11-05 设为节假日" in html
    assert "地方节日" in html

    bad = client.post("/workdays/days/set/", {"day": "2025-11-06", "kind": "workday", "name": ""})
    assert bad.status_code == 400
    assert "本来就是工作日" in bad.content.decode()

    response = client.post("/workdays/days/2025-11-05/clear/")
    assert response.status_code == 302
    assert not CalendarDay.objects.filter(date=D(2025, 11, 5)).exists()
    again = client.post("/workdays/days/2025-11-05/clear/", follow=True).content.decode()
    assert "没有特别安排" in again


def test_seed_and_confirm_through_the_page(org, web):
    client = web(org.user("county_admin"))
    html = client.post("/workdays/2025/seed/", follow=True).content.decode()
    assert "无需更新" in html
    html = client.post("/workdays/2027/seed/", follow=True).content.decode()
    assert "没有 2027 年的节假日安排" in html
    html = client.post("/workdays/2027/confirm/", follow=True).content.decode()
    assert "已确认 2027 年节假日安排录入完整" in html
    assert CalendarYear.objects.get(year=2027).status == CalendarYear.Status.EDITED


def test_non_managers_cannot_edit_through_the_page(org, web):
    for key in ("town_agent", "town_admin"):
        response = web(org.user(key)).post("/workdays/days/set/", {"day": "2025-11-08", "kind": "workday"})
        assert response.status_code == 403, key
    assert not CalendarDay.objects.filter(date=D(2025, 11, 8)).exists()
    assert AuditEvent.objects.filter(action="access.refused").count() == 2


def test_calculator_on_the_page(org, web):
    html = web(org.user("town_agent")).get("/workdays/2025/?start=2025-09-30&days=5").content.decode()
    assert "期限为 <strong>2025-10-14（星期二）</strong>" in html
    html = web(org.user("town_agent")).get("/workdays/2026/?start=2026-12-30&days=3").content.decode()
    assert "2027 年的法定节假日安排尚未录入" in html


# -- API ---------------------------------------------------------------------------------------


def test_api_add_and_between(org, api):
    client = api(org.user("station_agent"))
    body = client.get("/api/v1/workdays/add?start=2025-09-30&days=5").json()
    assert body == {"start": "2025-09-30", "days": 5, "date": "2025-10-14", "warnings": []}
    assert client.get("/api/v1/workdays/add?start=2025-10-01&days=0").json()["date"] == "2025-10-01"
    body = client.get("/api/v1/workdays/add?start=2026-12-30&days=3").json()
    assert body["date"] == "2027-01-05" and "2027 年" in body["warnings"][0]
    bad = client.get("/api/v1/workdays/add?start=2025-13-01&days=-1")
    assert bad.status_code == 400
    assert {e["field"] for e in bad.json()["errors"]} == {"start", "days"}
    body = client.get("/api/v1/workdays/between?start=2025-09-30&end=2025-10-14").json()
    assert body["workdays"] == 5
    assert api().get("/api/v1/workdays/add?start=2025-09-30&days=5").status_code in (401, 403)


def test_api_year_listing(org, api):
    body = api(org.user("station_agent")).get("/api/v1/workdays/years/2025/").json()
    assert body["status"] == "official" and body["complete"] and body["warnings"] == []
    assert body["workdays"] == 248
    national = [d for d in body["days"] if d["date"] == "2025-10-11"]
    assert national == [
        {
            "date": "2025-10-11",
            "is_workday": True,
            "kind": "adjusted_workday",
            "name": "国庆节",
            "source": "package",
        }
    ]
    body = api(org.user("station_agent")).get("/api/v1/workdays/years/2027/").json()
    assert body["status"] == "fallback" and not body["complete"] and body["warnings"]
    assert {d["source"] for d in body["days"]} == {"rule"}


def test_api_set_and_clear_a_day(org, api):
    admin = api(org.user("county_admin"))
    response = admin.put(
        "/api/v1/workdays/days/2025-11-08/", {"kind": "workday", "name": "调休"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["is_workday"] and response.json()["source"] == "admin"
    assert admin.get("/api/v1/workdays/days/2025-11-08/").json()["kind"] == "adjusted_workday"
    assert admin.delete("/api/v1/workdays/days/2025-11-08/").status_code == 204
    again = admin.delete("/api/v1/workdays/days/2025-11-08/")
    assert again.status_code == 400 and again.json()["code"] == "not_set"
    refused = api(org.user("town_admin")).put(
        "/api/v1/workdays/days/2025-11-08/", {"kind": "workday"}, format="json"
    )
    assert refused.status_code == 403 and refused.json()["code"] == "calendar_scope"
    assert admin.get("/api/v1/workdays/days/2025-02-30/").status_code == 404
    seeded = admin.post("/api/v1/workdays/years/2025/seed/")
    assert seeded.status_code == 200 and seeded.json()["created"] == 0
    assert admin.post("/api/v1/workdays/years/2027/seed/").json()["code"] == "year_unknown"
    confirmed = admin.post("/api/v1/workdays/years/2027/confirm/")
    assert confirmed.status_code == 200 and confirmed.json()["complete"]


def test_openapi_documents_the_calendar(org, client):
    client.force_login(org.user("county_admin"))
    text = client.get("/api/v1/schema/").content.decode()
    for path in ("/api/v1/workdays/add", "/api/v1/workdays/years/{year}/", "/api/v1/workdays/days/{day}/"):
        assert path in text
