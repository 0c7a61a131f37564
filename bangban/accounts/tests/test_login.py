"""Login policy: lockout after 5 failures for 15 minutes, 30-minute idle timeout, forced password change."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from bangban.accounts.models import User
from bangban.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def _login(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_login_page_is_chinese(client):
    page = client.get("/accounts/login/").content.decode()
    assert '<html lang="zh-Hans">' in page and "工作人员登录" in page and "密码" in page


def test_successful_login_is_audited(org, client, password):
    response = _login(client, "town_agent", password)
    assert response.status_code == 302 and response["Location"] == "/"
    assert AuditEvent.objects.filter(action="auth.login", actor=org.user("town_agent")).count() == 1
    assert "工作台" in client.get("/").content.decode()


def test_lockout_after_five_failures_then_released_after_fifteen_minutes(org, client, password):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for i in range(4):
            response = _login(client, "town_agent", "Wrong#Pass2026")
            assert "登录名或密码错误" in response.content.decode()
            assert f"再错 {4 - i} 次" in response.content.decode()
        response = _login(client, "town_agent", "Wrong#Pass2026")
        assert "已锁定" in response.content.decode()
        # Locked: even the right password is refused.
        response = _login(client, "town_agent", password)
        assert response.status_code == 200 and "已锁定" in response.content.decode()
    user = User.objects.get(username="town_agent")
    assert user.failed_login_count == 5 and user.locked_until == start + timedelta(minutes=15)
    assert AuditEvent.objects.filter(action="auth.login_failed", object_id=str(user.pk)).count() == 6
    assert AuditEvent.objects.filter(action="auth.locked", object_id=str(user.pk)).count() == 1
    with time_machine.travel(start + timedelta(minutes=14, seconds=59), tick=False):
        assert "已锁定" in _login(client, "town_agent", password).content.decode()
    with time_machine.travel(start + timedelta(minutes=15, seconds=1), tick=False):
        assert _login(client, "town_agent", password).status_code == 302
    user.refresh_from_db()
    assert user.failed_login_count == 0 and user.locked_until is None


def test_unknown_username_is_recorded_without_revealing(org, client):
    response = _login(client, "nobody", "Whatever#2026")
    assert "登录名或密码错误" in response.content.decode()
    assert AuditEvent.objects.filter(action="auth.login_failed", object_repr="nobody").exists()


def test_admin_unlocks(org, client, password):
    from bangban.accounts.services import staff_unlock

    for _ in range(5):
        _login(client, "station_agent", "Wrong#Pass2026")
    user = User.objects.get(username="station_agent")
    assert user.is_locked()
    staff_unlock(by=org.user("town_admin"), user=user)
    assert _login(client, "station_agent", password).status_code == 302


def test_idle_timeout_logs_out_after_thirty_minutes(org, client, password):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert _login(client, "town_agent", password).status_code == 302
        assert client.get("/").status_code == 200
    with time_machine.travel(start + timedelta(minutes=29), tick=False):
        assert client.get("/").status_code == 200  # activity renews the idle clock
    with time_machine.travel(start + timedelta(minutes=58), tick=False):
        assert client.get("/").status_code == 200
    with time_machine.travel(start + timedelta(minutes=58 + 31), tick=False):
        response = client.get("/org/")
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
        assert client.get("/").status_code == 302
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
    response = client.get("/")
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
    assert client.get("/").status_code == 200
    user = User.objects.get(username="newbie")
    assert not user.must_change_password and user.check_password("Mine#Secret2026")
