"""The staff shell in a real browser: login in Chinese, the 工作台, role navigation, phone layout."""

import pytest

from tests.browser.conftest import shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page, username, password):
    page.goto(page.base + "/accounts/login/")
    page.get_by_label("登录名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def test_center_admin_logs_in_and_manages_the_tree(org, page_at, password):
    page = page_at()
    page.goto(page.base + "/staff/")
    assert "/accounts/login/" in page.url
    assert page.locator("h1").inner_text() == "工作人员登录"
    login(page, "county_admin", "wrong-password")
    assert "登录名或密码错误" in page.locator(".form-errors").inner_text()
    login(page, "county_admin", password)
    page.get_by_role("heading", name="工作台").wait_for()
    nav = page.get_by_role("navigation", name="主导航").inner_text()
    assert all(label in nav for label in ("工作台", "组织机构", "工作人员", "审计日志"))
    shot(page, "home-1366")
    page.get_by_role("link", name="组织机构").click()
    page.get_by_role("link", name="通安镇便民服务中心").first.click()
    page.get_by_role("link", name="编辑机构信息").click()
    page.get_by_label("联系电话").fill("0512-66661234")
    page.get_by_role("button", name="保存").click()
    assert "已保存" in page.locator(".messages").inner_text()
    page.get_by_role("link", name="审计日志").click()
    assert "0512-66661234" in page.locator("table").first.inner_text()
    shot(page, "audit-1366")
    # The page fits the 1366 px office screen: nothing scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366


def test_station_agent_on_a_phone(org, page_at, password):
    page = page_at(width=390, height=844, mobile=True)
    login(page, "station_agent", password)
    page.get_by_role("heading", name="工作台").wait_for()
    nav = page.get_by_role("navigation", name="主导航").inner_text()
    assert "审计日志" not in nav and "工作人员" not in nav
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "home-phone")
    page.goto(page.base + f"/org/institutions/{org.station2.pk}/")
    assert page.locator("h1").inner_text() == "页面不存在"


@pytest.mark.one_database("sqlite")  # the OpenAPI page from static files: the database plays no part
def test_interactive_api_docs_render_offline(org, page_at, password):
    """Swagger UI comes from the app's own static files (no CDN) and works under the strict CSP."""
    page = page_at()
    external = []
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith(page.base) else None)
    login(page, "county_admin", password)
    page.get_by_role("heading", name="工作台").wait_for()
    page.goto(page.base + "/api/v1/docs/")
    page.locator(".opblock").first.wait_for()
    # Every operation is drawn, to the last one. Counting .opblock elements proved unreliable once the
    # API grew (7 counted while a screenshot showed them all), so the very last one must show.
    page.mouse.wheel(0, 1_000_000)
    page.get_by_text("/api/v1/workdays/years/{year}/seed/").first.wait_for()
    assert "帮办代办平台 API" in page.locator(".info .title").first.inner_text()
    assert external == []
