"""The calendar page in a real browser: the administrator marks a day; it fits an office screen and a phone."""

import pytest

from tests.browser.conftest import shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page, username, password):
    page.goto(page.base + "/accounts/login/")
    page.get_by_label("登录名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("heading", name="工作台").wait_for()


def test_calendar_administrator_marks_a_day(org, page_at, password):
    page = page_at()
    errors = []
    page.on(
        "response", lambda r: errors.append(r.url) if r.status >= 400 and "favicon" not in r.url else None
    )
    login(page, "county_admin", password)
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="工作日历").click()
    page.goto(page.base + "/workdays/2025/")
    assert page.locator("h1").inner_text() == "工作日历 · 2025 年"
    assert page.locator("section.cal-month").count() == 12
    page.locator('td[title^="2025-11-05"] a').click()
    assert page.get_by_label("日期").input_value() == "2025-11-05"
    page.get_by_label("安排").select_option("holiday")
    page.get_by_label("名称").fill("地方节日")
    page.get_by_role("button", name="保存").click()
    assert "已将 2025-11-05 设为节假日" in page.locator(".messages").inner_text()
    assert page.locator('td.cal-holiday[title^="2025-11-05"]').count() == 1
    shot(page, "workdays-year-1366")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    page.goto(page.base + "/workdays/2027/")
    assert "2027 年的法定节假日安排尚未录入" in page.locator("[role=alert]").first.inner_text()
    assert errors == []


def test_calendar_on_a_phone(org, page_at, password):
    page = page_at(width=390, height=844, mobile=True)
    login(page, "station_agent", password)
    page.goto(page.base + "/workdays/2025/?start=2025-09-30&days=5")
    assert "2025-10-14（星期二）" in page.locator("[role=status]").last.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "workdays-year-phone")
