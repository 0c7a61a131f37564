"""The platform around the domain: settings guard, API schema and docs, demo data, health."""

import os
import re
import subprocess
import sys

import pytest
from django.core.management import call_command

from bangban.accounts.models import User
from bangban.org.models import Institution


def _settings_import(env: dict) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS")} | env
    return subprocess.run(
        [sys.executable, "-c", "import bangban.settings"], env=full, capture_output=True, text=True
    )


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (
            {
                "BANGBAN_ENV": "production",
                "SECRET_KEY": "x" * 50,
                "ALLOWED_HOSTS": "a.gov.cn",
                "DEBUG": "true",
            },
            "DEBUG",
        ),
        ({"BANGBAN_ENV": "production", "ALLOWED_HOSTS": "a.gov.cn"}, "SECRET_KEY"),
        ({"BANGBAN_ENV": "production", "SECRET_KEY": "x" * 50}, "ALLOWED_HOSTS"),
        (
            {"BANGBAN_ENV": "production", "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "a.gov.cn"},
            "BANGBAN_FIELD_KEYS",
        ),
        (  # a Fernet key alone: the newest key must be an SM4 key
            {
                "BANGBAN_ENV": "production",
                "SECRET_KEY": "x" * 50,
                "ALLOWED_HOSTS": "a.gov.cn",
                "BANGBAN_FIELD_KEYS": "bYkPTwZ9KwqNO1Y8Wvt9ycqd7ABYWrAbBMQLJWU1Lgo=",
                "BANGBAN_LOOKUP_KEY": "l" * 40,
                "BANGBAN_AUDIT_KEY": "a" * 40,
            },
            "SM4",
        ),
        (
            {
                "BANGBAN_ENV": "production",
                "SECRET_KEY": "x" * 50,
                "ALLOWED_HOSTS": "a.gov.cn",
                "BANGBAN_FIELD_KEYS": "k1:" + "ab" * 16,
            },
            "BANGBAN_LOOKUP_KEY",
        ),
        (
            {
                "BANGBAN_ENV": "production",
                "SECRET_KEY": "x" * 50,
                "ALLOWED_HOSTS": "a.gov.cn",
                "BANGBAN_FIELD_KEYS": "k1:" + "ab" * 16,
                "BANGBAN_LOOKUP_KEY": "l" * 40,
            },
            "BANGBAN_AUDIT_KEY",
        ),
    ],
)
def test_production_refuses_unsafe_settings(env, expected):
    result = _settings_import(env)
    assert result.returncode != 0 and expected in result.stderr


def test_production_starts_with_safe_settings():
    from cryptography.fernet import Fernet

    env = {
        "BANGBAN_ENV": "production",
        "SECRET_KEY": "k" * 50,
        "ALLOWED_HOSTS": "a.gov.cn",
        # the new SM4 key first, an old Fernet key kept to read values not yet re-encrypted
        "BANGBAN_FIELD_KEYS": "k2:" + "cd" * 16 + "," + Fernet.generate_key().decode(),
        "BANGBAN_LOOKUP_KEY": "l" * 40,
        "BANGBAN_AUDIT_KEY": "a" * 40,
    }
    result = _settings_import(env)
    assert result.returncode == 0, result.stderr


@pytest.mark.django_db
def test_openapi_schema_and_docs_are_local(org, client):
    client.force_login(org.user("county_admin"))
    schema = client.get("/api/v1/schema/")
    assert schema.status_code == 200
    text = schema.content.decode()
    for path in ("/api/v1/institutions/", "/api/v1/staff/", "/api/v1/audit-events/", "/api/v1/me/"):
        assert path in text
    docs = client.get("/api/v1/docs/").content.decode()
    assert "swagger" in docs.lower()
    external = re.findall(r'(?:src|href)="(https?://[^"]+)"', docs)
    assert external == [], external


@pytest.mark.django_db
def test_api_needs_authentication_and_accepts_tokens(org, client):
    from bangban.accounts.services import token_issue

    assert client.get("/api/v1/me/").status_code in (401, 403)
    _, key = token_issue(by=org.user("county_admin"), user=org.user("town_agent"), name="测试")
    me = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}")
    assert me.status_code == 200 and me.json()["username"] == "town_agent"
    assert "case.handle" in me.json()["capabilities"]


@pytest.mark.django_db
def test_token_principal_arrives_in_one_statement_ready_for_scoping(org, django_assert_num_queries):
    import datetime as dt

    from bangban.accounts.services import token_issue
    from bangban.core.api import load_principal

    agent = org.user("station_agent")
    issued, key = token_issue(by=org.user("county_admin"), user=agent, name="测试")
    with django_assert_num_queries(1):
        user, token = load_principal(issued.key_id, "127.0.0.1")
        # Everything a scoped request reads comes with it, converted like the ORM would.
        assert user.pk == agent.pk and token.owner is user and token.digest == issued.digest
        assert user.institution.path == org.station.path and user.institution.division.name == "树山村"
        assert user.role_codes == {"agent"} and user.has_cap("case.handle")
        assert user.is_active is True and user.must_change_password is False
        assert isinstance(user.date_joined, dt.datetime) and user.date_joined.tzinfo is not None
        assert isinstance(token.expires_at, dt.datetime) and token.expires_at.tzinfo is not None
        assert user.locked_until is None
    assert load_principal("0" * 16) is None

    # A user outside any institution and without roles still loads (and sees nothing).
    from bangban.accounts.models import User

    loner = User.objects.create_user(username="loner", password=None, institution=None)
    user, _ = load_principal(token_issue(by=None, user=loner, name="测试")[0].key_id)
    assert user.institution is None and user.role_codes == frozenset()


@pytest.mark.django_db
def test_api_token_of_a_deactivated_user_is_refused(org, client):
    from bangban.accounts.services import token_issue

    agent = org.user("town_agent")
    key = token_issue(by=org.user("county_admin"), user=agent, name="测试")[1]
    assert client.get("/api/v1/cases/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200
    type(agent).objects.filter(pk=agent.pk).update(is_active=False)
    refused = client.get("/api/v1/cases/", HTTP_AUTHORIZATION=f"Token {key}")
    assert refused.status_code == 401 and "停用" in refused.json()["message"]
    assert client.get("/api/v1/cases/", HTTP_AUTHORIZATION="Token nope").status_code == 401


@pytest.mark.django_db
def test_demo_data_is_idempotent():
    call_command("load_demo", verbosity=0)
    counts = (Institution.objects.count(), User.objects.count())
    call_command("load_demo", verbosity=0)
    assert (Institution.objects.count(), User.objects.count()) == counts
    county = Institution.objects.get(name="苏州高新区政务服务中心")
    assert county.departments.count() >= 5
    assert Institution.objects.filter(tier=Institution.Tier.TOWN_CENTER).count() == 7
    assert Institution.objects.filter(tier=Institution.Tier.STATION).count() >= 7
    from bangban.accounts.roles import Role

    roles = set(User.objects.values_list("role_assignments__role", flat=True))
    assert set(Role.values) <= roles


@pytest.mark.django_db
def test_health_and_security_headers(client):
    response = client.get("/healthz")
    assert response.json()["status"] == "ok"
    page = client.get("/accounts/login/")
    assert "default-src 'self'" in page["Content-Security-Policy"]
    assert page["X-Frame-Options"] == "DENY"
    assert page["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_navigation_follows_role(org, web):
    agent_page = web(org.user("station_agent")).get("/staff/").content.decode()
    assert "工作台" in agent_page and "审计日志" not in agent_page and "工作人员" not in agent_page
    admin_page = web(org.user("county_admin")).get("/staff/").content.decode()
    assert "审计日志" in admin_page and "工作人员" in admin_page and "组织机构" in admin_page
