"""The work queue's fast lane answers exactly what the full stack answers, or lets it answer."""

import pytest

from bangban.accounts.services import token_issue
from bangban.cases.api import CaseViewSet
from bangban.cases.tests.test_queue import cases  # noqa: F401 (fixture)

URLS = [
    "/api/v1/cases/",
    "/api/v1/cases/?mine=1&open=1",
    "/api/v1/cases/?mine=1&open=1&page=2&page_size=2",
    "/api/v1/cases/?light=red",
    "/api/v1/cases/?light=yellow&open=true",
    "/api/v1/cases/?status=accepted&kind=help",
    "/api/v1/cases/?q=%E5%BC%A0%E4%B8%89",
    "/api/v1/cases/?page_size=3&page=3",
    "/api/v1/cases/?page_size=500",
    "/api/v1/cases/?page=99",
]


def _spy(monkeypatch, name: str) -> list:
    """The full paths of the requests the DRF view's `name` action answered."""
    calls = []
    original = getattr(CaseViewSet, name)

    def spy(self, request, *args, **kwargs):
        calls.append(request.get_full_path())
        return original(self, request, *args, **kwargs)

    monkeypatch.setattr(CaseViewSet, name, spy)
    return calls


@pytest.fixture
def view_calls(monkeypatch):
    return _spy(monkeypatch, "list")


def _get(client, settings, url, fast, **headers):
    settings.BANGBAN_QUEUE_FAST_LANE = fast
    response = client.get(url, **headers)
    return response.status_code, dict(response.headers), response.content


@pytest.mark.parametrize("who", ["town_agent", "station_agent", "county_admin", "supervisor", "liaison"])
def test_fast_lane_answers_like_the_full_stack(org, cases, client, settings, view_calls, who):  # noqa: F811
    key = token_issue(by=org.user("sysadmin"), user=org.user(who), name="测试")[1]
    auth = {"HTTP_AUTHORIZATION": f"Token {key}"}
    for url in URLS:
        slow = _get(client, settings, url, False, **auth)
        assert view_calls and view_calls[-1] == url  # the full stack answered
        view_calls.clear()
        fast = _get(client, settings, url, True, **auth)
        assert not view_calls, url  # the fast lane answered
        assert fast[0] == slow[0] == 200
        assert fast[1] == slow[1], url
        assert fast[2].decode() and __import__("json").loads(fast[2]) == __import__("json").loads(slow[2]), (
            url
        )


def test_fast_lane_leaves_everything_unusual_to_the_full_stack(org, cases, client, settings, view_calls):  # noqa: F811
    settings.BANGBAN_QUEUE_FAST_LANE = True
    agent = org.user("town_agent")
    key = token_issue(by=org.user("sysadmin"), user=agent, name="测试")[1]
    auth = {"HTTP_AUTHORIZATION": f"Token {key}"}
    fallbacks = [
        ("/api/v1/cases/?page=0", auth, 400),
        ("/api/v1/cases/?page=x", auth, 400),
        ("/api/v1/cases/?format=json", auth, 200),
        ("/api/v1/cases/?mine=1&mine=0", auth, 200),
        ("/api/v1/cases/", {"HTTP_AUTHORIZATION": "Token nope"}, 401),
        ("/api/v1/cases/", {"HTTP_AUTHORIZATION": f"Bearer {key}"}, 401),
        ("/api/v1/cases/", auth | {"HTTP_ACCEPT": "text/html"}, 200),
    ]
    for url, headers, status in fallbacks:
        view_calls.clear()
        response = client.get(url, **headers)
        assert response.status_code == status, (url, headers)
        if status == 200:
            assert view_calls, url  # answered by the view, not the fast lane
    # A role that cannot read cases: refused by the full stack (and audited there).
    reader = org.user("catalog_admin")
    key = token_issue(by=org.user("sysadmin"), user=reader, name="测试")[1]
    assert client.get("/api/v1/cases/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 403
    # A password that must be changed first.
    type(agent).objects.filter(pk=agent.pk).update(must_change_password=True)
    assert client.get("/api/v1/cases/", **auth).status_code == 403
    type(agent).objects.filter(pk=agent.pk).update(must_change_password=False, is_active=False)
    assert client.get("/api/v1/cases/", **auth).status_code == 401


def test_fast_lane_checks_tokens_with_the_one_token_check_once(
    org,
    cases,  # noqa: F811
    client,
    settings,
    view_calls,
    monkeypatch,
):
    from bangban.accounts import services
    from bangban.accounts.models import ApiToken

    settings.BANGBAN_QUEUE_FAST_LANE = True
    checks = []
    original = services.token_authenticate
    monkeypatch.setattr(services, "token_authenticate", lambda **kw: checks.append(kw) or original(**kw))
    token, key = token_issue(by=None, user=org.user("town_agent"), name="测试")
    auth = {"HTTP_AUTHORIZATION": f"Token {key}"}
    assert client.get("/api/v1/cases/", **auth).status_code == 200
    assert len(checks) == 1 and not view_calls  # answered by the fast lane, after the one check
    # A token the check refuses (here: a lockout from this client) is refused once, by the full stack.
    for _ in range(5):
        client.post("/accounts/login/", {"username": "town_agent", "password": "Wrong#Pass2026"})
    checks.clear()
    refused = client.get("/api/v1/cases/", **auth)
    assert refused.status_code == 401 and len(checks) == 1
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=token.created_at)
    assert client.get("/api/v1/cases/", **auth, REMOTE_ADDR="10.0.0.9").status_code == 401
