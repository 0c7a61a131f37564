"""Login policy: lockout after 5 failures for 15 minutes, 30-minute idle timeout, forced password change."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from bangban.accounts.models import LoginFailure, User
from bangban.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def _login(client, username, password, **extra):
    return client.post("/accounts/login/", {"username": username, "password": password}, **extra)


def _error(page: str) -> str:
    return re.search(r'<div class="form-errors"[^>]*>(.*?)</div>', page, re.S).group(1)


def test_login_page_is_chinese(client):
    page = client.get("/accounts/login/").content.decode()
    assert '<html lang="zh-Hans">' in page and "工作人员登录" in page and "密码" in page
    assert "连续 5 次密码错误，将暂停从本机登录该账号 15 分钟；30 分钟无操作" in page


def test_successful_login_is_audited(org, client, password):
    response = _login(client, "town_agent", password)
    assert response.status_code == 302 and response["Location"] == "/staff/"
    assert AuditEvent.objects.filter(action="auth.login", actor=org.user("town_agent")).count() == 1
    assert "工作台" in client.get("/staff/").content.decode()


def test_lockout_after_five_failures_then_released_after_fifteen_minutes(org, client, password):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for i in range(4):
            response = _login(client, "town_agent", "Wrong#Pass2026")
            assert "登录名或密码错误" in response.content.decode()
            assert f"再错 {4 - i} 次" in response.content.decode()
        response = _login(client, "town_agent", "Wrong#Pass2026")
        assert "已暂停从本机登录" in response.content.decode()
        # Locked: even the right password is refused.
        response = _login(client, "town_agent", password)
        assert response.status_code == 200 and "已暂停从本机登录" in response.content.decode()
    user = User.objects.get(username="town_agent")
    assert user.is_locked() and user.locked_until == start + timedelta(minutes=15)
    assert AuditEvent.objects.filter(action="auth.login_failed", object_id=str(user.pk)).count() == 6
    assert AuditEvent.objects.filter(action="auth.locked", object_id=str(user.pk)).count() == 1
    with time_machine.travel(start + timedelta(minutes=14, seconds=59), tick=False):
        assert "已暂停从本机登录" in _login(client, "town_agent", password).content.decode()
    with time_machine.travel(start + timedelta(minutes=15, seconds=1), tick=False):
        assert _login(client, "town_agent", password).status_code == 302
        assert not User.objects.get(username="town_agent").is_locked()
    assert not LoginFailure.objects.filter(username="town_agent").exists()


def test_an_attacker_elsewhere_cannot_lock_the_real_user_out(org, client, password):
    for _ in range(5):
        _login(client, "town_agent", "Wrong#Pass2026", REMOTE_ADDR="203.0.113.9")
    assert (
        "已暂停从本机登录"
        in _login(client, "town_agent", password, REMOTE_ADDR="203.0.113.9").content.decode()
    )
    # The real user at their own desk still signs in.
    assert _login(client, "town_agent", password, REMOTE_ADDR="10.1.2.3").status_code == 302


def test_unknown_username_is_recorded_without_revealing(org, client):
    for attempt in range(6):
        real = _login(client, "town_agent", f"Wrong#Pass{attempt}").content.decode()
        unknown = _login(client, "nobody", f"Wrong#Pass{attempt}").content.decode()
        assert _error(real) == _error(unknown), attempt
    assert "已暂停从本机登录" in _error(unknown)
    assert AuditEvent.objects.filter(action="auth.login_failed", object_repr="nobody").exists()
    assert AuditEvent.objects.filter(action="auth.locked", object_repr="nobody").count() == 1


def test_unknown_username_costs_the_same_hashing(org, client, monkeypatch):
    from django.contrib.auth.hashers import MD5PasswordHasher

    calls = []
    original = MD5PasswordHasher.encode
    monkeypatch.setattr(MD5PasswordHasher, "encode", lambda self, *a: calls.append(1) or original(self, *a))
    _login(client, "nobody", "Wrong#Pass2026")
    unknown = len(calls)
    calls.clear()
    _login(client, "town_agent", "Wrong#Pass2026")
    assert unknown == len(calls) == 1


def test_client_is_throttled_with_429_and_audited(org, client, settings, password):
    settings.BANGBAN_AUTH_THROTTLE_FAILURES = 8
    for i in range(8):  # different names: no single lockout, but one client
        assert _login(client, f"name{i}", "Wrong#Pass2026").status_code == 200
    response = _login(client, "town_agent", password)
    assert response.status_code == 429 and "失败尝试过多" in response.content.decode()
    assert int(response["Retry-After"]) > 0
    assert '<html lang="zh-Hans">' in response.content.decode()
    assert _login(client, "town_agent", password).status_code == 429
    assert AuditEvent.objects.filter(action="auth.throttled").count() == 1
    # Another client is not affected.
    assert _login(client, "town_agent", password, REMOTE_ADDR="10.9.9.9").status_code == 302


def test_admin_login_goes_through_the_same_gate(org, client, password):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")
    for _ in range(5):
        client.post("/admin/login/?next=/admin/", {"username": "sysadmin", "password": "Wrong#Pass2026"})
    # Django's authenticate() (any other way in) goes through the same lockout and audit.
    from django.contrib.auth import authenticate
    from django.test import RequestFactory

    request = RequestFactory().post("/admin/login/")
    for _ in range(5):
        assert authenticate(request, username="sysadmin", password="Wrong#Pass2026") is None
    assert User.objects.get(username="sysadmin").is_locked()
    assert authenticate(request, username="sysadmin", password=password) is None  # locked
    sysadmin = User.objects.get(username="sysadmin")
    assert AuditEvent.objects.filter(action="auth.login_failed", object_id=str(sysadmin.pk)).count() == 6
    assert AuditEvent.objects.filter(action="auth.locked", object_id=str(sysadmin.pk)).count() == 1


def test_superuser_enters_the_read_only_admin_through_the_staff_login(org, client, password):
    User.objects.filter(username="sysadmin").update(is_superuser=True, is_staff=True)
    response = client.post(
        "/accounts/login/", {"username": "sysadmin", "password": password, "next": "/admin/"}
    )
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert AuditEvent.objects.filter(action="auth.login", object_repr__contains="sysadmin").exists()
    assert client.get("/admin/accounts/user/add/").status_code == 403
    response = client.post("/admin/logout/")
    assert response.status_code == 302 and client.get("/admin/").status_code == 302
    assert AuditEvent.objects.filter(action="auth.logout", object_repr__contains="sysadmin").exists()


def test_admin_unlocks(org, client, password):
    from bangban.accounts.services import staff_unlock

    for _ in range(5):
        _login(client, "station_agent", "Wrong#Pass2026")
    user = User.objects.get(username="station_agent")
    assert user.is_locked()
    staff_unlock(by=org.user("town_admin"), user=user)
    assert AuditEvent.objects.filter(action="accounts.staff.unlock", object_id=str(user.pk)).exists()
    assert _login(client, "station_agent", password).status_code == 302


def test_idle_timeout_logs_out_after_thirty_minutes(org, client, password):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert _login(client, "town_agent", password).status_code == 302
        assert client.get("/staff/").status_code == 200
    with time_machine.travel(start + timedelta(minutes=29), tick=False):
        assert client.get("/staff/").status_code == 200  # activity renews the idle clock
    with time_machine.travel(start + timedelta(minutes=58), tick=False):
        assert client.get("/staff/").status_code == 200
    with time_machine.travel(start + timedelta(minutes=58 + 31), tick=False):
        response = client.get("/org/")
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
        assert client.get("/staff/").status_code == 302
    assert AuditEvent.objects.filter(action="auth.idle_timeout", actor=org.user("town_agent")).count() == 1


def test_admin_set_password_must_be_changed_at_first_login(org, client):
    from bangban.accounts.services import staff_create

    staff_create(
        by=org.user("town_admin"),
        username="newbie",
        full_name="新人",
        institution=org.station,
        roles=["agent"],
        password="Initial#2026x",
    )
    assert _login(client, "newbie", "Initial#2026x").status_code == 302
    response = client.get("/staff/")
    assert response.status_code == 302 and response["Location"] == "/accounts/password/"
    assert client.get("/api/v1/me/").json()["code"] == "password_change_required"
    # Policy: too short, too few classes, mismatch — each named, nothing changed.
    for new, message in [("Ab1!", "至少包含 10 个字符"), ("abcdefghijk", "至少 3 类")]:
        response = client.post(
            "/accounts/password/",
            {"old_password": "Initial#2026x", "new_password": new, "new_password2": new},
        )
        assert message in response.content.decode(), message
    assert User.objects.get(username="newbie").must_change_password
    response = client.post(
        "/accounts/password/",
        {
            "old_password": "Initial#2026x",
            "new_password": "Mine#Secret2026",
            "new_password2": "Mine#Secret2026",
        },
    )
    assert response.status_code == 302
    assert client.get("/staff/").status_code == 200
    user = User.objects.get(username="newbie")
    assert not user.must_change_password and user.check_password("Mine#Secret2026")


def test_throttle_works_on_the_production_cache(org, client, settings, password):
    """The throttle counts in the shared cache: Redis in production (atomic INCR across servers)."""
    from bangban.core.testing import redis_cache

    settings.BANGBAN_AUTH_THROTTLE_FAILURES = 3
    with redis_cache(settings, "django.core.cache.backends.redis.RedisCache"):
        for i in range(3):
            assert _login(client, f"name{i}", "Wrong#Pass2026").status_code == 200
        assert _login(client, "town_agent", password).status_code == 429


def test_the_session_user_comes_with_its_institution_in_one_statement(org, django_assert_num_queries):
    """Every page reads the user's institution (scope, top bar): loaded with the user, not after."""
    from bangban.accounts.backends import LoginGateBackend

    agent = org.user("town_agent")
    with django_assert_num_queries(1):
        user = LoginGateBackend().get_user(agent.pk)
        assert user.institution.name == agent.institution.name
    agent.is_active = False
    agent.save(update_fields=["is_active"])
    assert LoginGateBackend().get_user(agent.pk) is None
    assert LoginGateBackend().get_user(10**9) is None
