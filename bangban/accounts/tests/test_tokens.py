"""API tokens: hashed, named, expiring, revocable; every use through the one check."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from bangban.accounts.models import ApiToken, User
from bangban.accounts.services import token_issue, token_revoke
from bangban.audit.models import AuditEvent
from bangban.core.errors import AccessRefused, ServiceError

pytestmark = pytest.mark.django_db


def _get(client, key, path="/api/v1/me/", **extra):
    return client.get(path, HTTP_AUTHORIZATION=f"Token {key}", **extra)


def test_only_a_hash_is_stored_and_the_default_expiry_applies(org, client):
    token, key = token_issue(by=None, user=org.user("town_agent"), name="叫号屏")
    assert key.startswith(f"bb_{token.key_id}_") and len(key) > 50
    row = ApiToken.objects.get(pk=token.pk)
    assert key not in (row.digest, row.key_id) and len(row.digest) == 64
    assert timedelta(days=89) < row.expires_at - row.created_at <= timedelta(days=90)
    assert _get(client, key).status_code == 200
    assert ApiToken.objects.get(pk=token.pk).last_used_at is not None


@pytest.mark.parametrize("days", [0, 366, "x"])
def test_issue_rules(org, days):
    with pytest.raises(ServiceError) as exc:
        token_issue(by=None, user=org.user("town_agent"), name="x", days=days)
    assert exc.value.field == "days" and "有效期" in exc.value.message
    with pytest.raises(ServiceError) as exc:
        token_issue(by=None, user=org.user("town_agent"), name=" ")
    assert exc.value.field == "name"
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("state", ["expired", "revoked", "deactivated", "locked_out", "wrong_secret"])
def test_refused_uses_answer_401_in_chinese_and_are_audited(org, client, state, password, settings):
    agent = org.user("town_agent")
    token, key = token_issue(by=agent, user=agent, name="集成")
    assert _get(client, key).status_code == 200
    if state == "expired":
        ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    elif state == "revoked":
        token_revoke(by=agent, token=token)
    elif state == "deactivated":
        User.objects.filter(pk=agent.pk).update(is_active=False)
    elif state == "locked_out":
        for _ in range(5):
            client.post("/accounts/login/", {"username": "town_agent", "password": "Wrong#Pass2026"})
    else:
        key = key[:-4] + ("AAAA" if not key.endswith("AAAA") else "BBBB")
    for path in ("/api/v1/me/", "/api/v1/cases/"):
        before = AuditEvent.objects.filter(action="auth.token_failed").count()
        response = _get(client, key, path)
        assert response.status_code == 401, (path, response.content)
        body = response.json()
        assert body["message"] and all(ord(c) > 127 or not c.isalpha() for c in body["message"]), body
        assert response["WWW-Authenticate"] == "Token"
        assert AuditEvent.objects.filter(action="auth.token_failed").count() == before + 1  # once


def test_expiry_is_checked_at_each_use(org, client):
    agent = org.user("town_agent")
    _, key = token_issue(by=agent, user=agent, name="集成", days=1)
    assert _get(client, key).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=1, seconds=1)):
        assert _get(client, key).status_code == 401


def test_failed_token_attempts_are_throttled_per_client(org, client, settings):
    settings.BANGBAN_AUTH_THROTTLE_FAILURES = 5
    agent = org.user("town_agent")
    _, key = token_issue(by=agent, user=agent, name="集成")
    for i in range(5):
        assert _get(client, f"bb_{i:016x}_{'A' * 43}").status_code == 401
    refused = _get(client, key)  # even a good token, from this client, until the window ends
    assert refused.status_code == 429 and "失败尝试过多" in refused.json()["message"]
    assert int(refused["Retry-After"]) > 0
    assert _get(client, "garbage").status_code == 429  # any token from this client, however malformed
    assert AuditEvent.objects.filter(action="auth.throttled").count() == 1
    assert _get(client, key, REMOTE_ADDR="10.0.0.8").status_code == 200


def test_who_may_issue_and_revoke(org):
    sysadmin, county_admin, agent = org.user("sysadmin"), org.user("county_admin"), org.user("town_agent")
    token, _ = token_issue(by=county_admin, user=agent, name="代发")  # an administrator in scope
    assert token.issued_by == county_admin
    with pytest.raises(AccessRefused):
        token_issue(by=county_admin, user=sysadmin, name="接管")
    with pytest.raises(AccessRefused):
        token_issue(by=org.user("town2_agent"), user=agent, name="越权")
    with pytest.raises(AccessRefused):
        token_revoke(by=org.user("other_admin"), token=token)
    own, _ = token_issue(by=sysadmin, user=sysadmin, name="本人")
    with pytest.raises(AccessRefused):
        token_revoke(by=county_admin, token=own)
    token_revoke(by=agent, token=token)
    assert AuditEvent.objects.filter(action="accounts.token.revoke").count() == 1
    assert AuditEvent.objects.filter(action="accounts.token.issue").count() == 2


def test_api_issue_list_revoke(org, api, client):
    agent = org.user("town_agent")
    me = api(agent)
    created = me.post("/api/v1/tokens/", {"name": "叫号屏", "days": 30}, format="json")
    assert created.status_code == 201, created.json()
    key = created.json()["token"]
    listed = me.get("/api/v1/tokens/").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert [r["name"] for r in rows] == ["叫号屏"] and "token" not in rows[0] and key not in str(listed)
    assert _get(client, key).status_code == 200
    too_long = me.post("/api/v1/tokens/", {"name": "x", "days": 1000}, format="json")
    assert too_long.status_code == 400 and too_long.json()["errors"][0]["field"] == "days"
    admin = api(org.user("county_admin"))
    assert (
        admin.post(
            "/api/v1/tokens/", {"name": "x", "user": org.user("sysadmin").pk}, format="json"
        ).status_code
        == 403
    )
    assert admin.get(f"/api/v1/tokens/?user={agent.pk}").status_code == 200
    revoked = admin.post(f"/api/v1/tokens/{rows[0]['id']}/revoke/")
    assert revoked.status_code == 200 and revoked.json()["status"] == "已撤销"
    assert _get(client, key).status_code == 401
    assert api(org.user("town2_agent")).post(f"/api/v1/tokens/{rows[0]['id']}/revoke/").status_code == 404


def test_token_pages(org, web):
    agent = org.user("town_agent")
    page = web(agent)
    assert "API 令牌" in page.get("/staff/").content.decode()
    response = page.post("/accounts/tokens/", {"name": "叫号屏", "days": 90})
    body = response.content.decode()
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    token = ApiToken.objects.get(owner=agent)
    assert f"bb_{token.key_id}_" in body and "无法再次查看" in body
    again = page.get("/accounts/tokens/").content.decode()
    assert token.prefix in again and "无法再次查看" not in again
    bad = page.post("/accounts/tokens/", {"name": "", "days": 400}).content.decode()
    assert "有效期" in bad and ApiToken.objects.count() == 1
    page.post(f"/accounts/tokens/{token.pk}/revoke/")
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    admin = web(org.user("town_admin"))
    assert f"/accounts/staff/{agent.pk}/tokens/" in admin.get(f"/accounts/staff/{agent.pk}/").content.decode()
    assert admin.get(f"/accounts/staff/{agent.pk}/tokens/").status_code == 200
    assert admin.get(f"/accounts/staff/{org.user('town2_agent').pk}/tokens/").status_code == 404


def test_schema_documents_the_token_scheme_and_endpoints(org, api):
    schema = api(org.user("town_agent")).get("/api/v1/schema/", {"format": "json"}).json()
    assert schema["components"]["securitySchemes"]["tokenAuth"]["name"] == "Authorization"
    assert {"/api/v1/tokens/", "/api/v1/tokens/{id}/revoke/"} <= set(schema["paths"])


def test_odd_ids_answer_4xx_not_5xx(org, api):
    me = api(org.user("town_agent"))
    for path in ("/api/v1/tokens/null/", "/api/v1/tokens/99999999999999999999999/revoke/"):
        assert me.get(path).status_code == 404 or me.post(path).status_code == 404, path
    assert me.post(f"/api/v1/tokens/{2**63}/revoke/").status_code == 404
    assert me.get("/api/v1/tokens/?user=abc").status_code == 400
    assert me.get(f"/api/v1/tokens/?user={10**30}").status_code == 400
    response = me.post("/api/v1/tokens/", {"name": "x", "user": 10**30}, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "user"


def test_audit_rows_name_their_changes_in_chinese(org):
    from bangban.audit.presentation import field_label

    for name in ("token", "expires_at", "locked_until", "roles"):
        assert field_label("accounts.user", name) != name
