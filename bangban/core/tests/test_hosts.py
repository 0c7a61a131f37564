"""A forged Host header gets 400 on every path family, before anything answers or writes."""

import pytest

from bangban.accounts.services import token_issue
from bangban.audit.models import AuditEvent
from bangban.cases.models import Case

pytestmark = pytest.mark.django_db


def _key(user):
    return token_issue(by=user, user=user, name="测试")[1]


PATHS = [
    "/",
    "/healthz",
    "/accounts/login/",
    "/admin/",
    "/admin/login/",
    "/api/v1/cases/",
    "/api/v1/me/",
    "/api/v1/schema/",
    "/cases/",
    "/cases/track/x/",
    "/items/",
    "/catalog/",
    "/org/",
    "/audit/",
    "/workdays/",
    "/static/bangban/app.css",
    "/no/such/page/",
]


@pytest.mark.parametrize("path", PATHS)
def test_forged_host_is_refused_everywhere(org, client, settings, path):
    key = _key(org.user("town_agent"))
    for method in ("get", "post"):
        response = getattr(client, method)(
            path, HTTP_HOST="evil.example", HTTP_AUTHORIZATION=f"Token {key}", content_type="application/json"
        )
        assert response.status_code == 400, (method, path)


def test_forged_host_creates_no_case(org, client, settings, password):
    key = _key(org.user("town_agent"))
    before = AuditEvent.objects.count()
    response = client.post(
        "/api/v1/cases/",
        {"kind": "help", "mode": "assist", "applicant_type": "person", "applicant_name": "王五", "items": []},
        content_type="application/json",
        HTTP_HOST="evil.example",
        HTTP_AUTHORIZATION=f"Token {key}",
    )
    assert response.status_code == 400
    assert not Case.objects.exists() and AuditEvent.objects.count() == before
    assert (
        client.post(
            "/accounts/login/", {"username": "town_agent", "password": password}, HTTP_HOST="evil.example"
        ).status_code
        == 400
    )
