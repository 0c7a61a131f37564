"""What a user meets when something goes wrong: Chinese error pages in the site's layout."""

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.urls import path

from bangban import urls as project_urls


def _boom(request):
    raise RuntimeError("boom")


def _denied(request):
    from django.core.exceptions import PermissionDenied

    raise PermissionDenied


def _bad(request):
    from django.core.exceptions import SuspiciousOperation

    raise SuspiciousOperation("bad")


def _database_gone(request):
    from django.db import OperationalError

    raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")


urlpatterns = [
    path("test-boom/", _boom),
    path("test-db-gone/", _database_gone),
    path("api/test-db-gone/", _database_gone),
    path("test-denied/", _denied),
    path("test-bad/", _bad),
    *project_urls.urlpatterns,
]
handler400 = project_urls.handler400
handler403 = project_urls.handler403
handler404 = project_urls.handler404
handler500 = project_urls.handler500


def _is_site_page(html: str) -> bool:
    return (
        'lang="zh-Hans"' in html
        and "/static/bangban/app.css" in html
        and 'href="/"' in html
        and "返回首页" in html
        and "Not Found" not in html
        and "Server Error" not in html
        and "Forbidden" not in html
        and "Bad Request" not in html
    )


pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


@pytest.fixture(autouse=True)
def _debug_off(settings):
    settings.DEBUG = False


def test_404_is_chinese_with_a_way_home(client):
    response = client.get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "页面不存在" in html and _is_site_page(html)


def test_404_keeps_the_navigation_of_a_signed_in_user(org, web):
    html = web(org.user("county_admin")).get("/no-such-page/").content.decode()
    assert "页面不存在" in html and 'aria-label="主导航"' in html and "审计日志" in html


def test_403_is_chinese_with_a_way_home(org, web):
    response = web(org.user("station_agent")).get("/test-denied/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "无权访问" in html and _is_site_page(html)


def test_400_is_chinese_with_a_way_home(client):
    response = client.get("/test-bad/")
    assert response.status_code == 400
    html = response.content.decode()
    assert "请求无效" in html and _is_site_page(html)


def test_disallowed_host_answers_the_chinese_400(client):
    response = client.get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    html = response.content.decode()
    assert "请求无效" in html and _is_site_page(html) and "evil.example" not in html


def test_500_is_chinese_and_renders_without_the_database(org):
    client = Client(raise_request_exception=False)
    client.force_login(org.user("county_admin"))
    original = connection.cursor

    def broken_cursor(*args, **kwargs):
        raise RuntimeError("database is down")

    # The view fails; while the error page renders, any database access fails too.
    from bangban.core import views

    real_error_page = views._error_page

    def error_page_without_db(*args, **kwargs):
        connection.cursor = broken_cursor
        try:
            return real_error_page(*args, **kwargs)
        finally:
            connection.cursor = original

    views._error_page = error_page_without_db
    try:
        response = client.get("/test-boom/")
    finally:
        views._error_page = real_error_page
    assert response.status_code == 500
    html = response.content.decode()
    assert "系统出错了" in html and _is_site_page(html)
    assert "boom" not in html


@override_settings(CSRF_COOKIE_NAME="csrftoken")
def test_csrf_failure_is_chinese_and_changes_nothing(org):
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.user("county_admin"))
    response = client.post("/accounts/logout/")
    assert response.status_code == 403
    html = response.content.decode()
    assert (
        "页面已过期" in html
        and _is_site_page(html)
        and "CSRF cookie" not in html
        and "verification" not in html
    )
    # Still signed in: the refused logout changed nothing.
    assert client.get("/staff/").status_code == 200


def test_an_unreachable_database_is_a_503_to_retry_not_a_bug(client):
    """PostgreSQL restarting: pages and the API say 503 with Retry-After (a clear error, no hang)."""
    client.raise_request_exception = False
    response = client.get("/test-db-gone/")
    html = response.content.decode()
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert "暂时无法连接数据库" in html and _is_site_page(html)
    api = client.get("/api/test-db-gone/")
    assert api.status_code == 503 and api.json()["code"] == "database_unavailable"
    assert "数据库" in api.json()["message"]
    assert client.get("/test-boom/").status_code == 500
