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
    key = token_issue(by=org.user("sysadmin"), user=org.user(who)).key
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
    key = token_issue(by=org.user("sysadmin"), user=agent).key
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
    key = token_issue(by=org.user("sysadmin"), user=reader).key
    assert client.get("/api/v1/cases/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 403
    # A password that must be changed first.
    type(agent).objects.filter(pk=agent.pk).update(must_change_password=True)
    assert client.get("/api/v1/cases/", **auth).status_code == 403
    type(agent).objects.filter(pk=agent.pk).update(must_change_password=False, is_active=False)
    assert client.get("/api/v1/cases/", **auth).status_code == 401


def _post(client, settings, fast, payload, **headers):
    import json

    settings.BANGBAN_QUEUE_FAST_LANE = fast
    body = payload if isinstance(payload, (str, bytes)) else json.dumps(payload, ensure_ascii=False)
    return client.post("/api/v1/cases/", body, content_type="application/json", **headers)


VOLATILE = {"id", "number", "created_at", "version"}


def _case_rows(case_id):
    from bangban.audit.models import AuditEvent
    from bangban.cases.models import Case
    from bangban.notifications.models import Message

    case = Case.objects.get(pk=case_id)
    return {
        "events": [(e.type, e.from_status, e.to_status, e.text) for e in case.events.order_by("id")],
        "audits": [
            (a.action, a.object_repr.split(" ", 1)[1], a.ip, a.user_agent, a.path, a.institution_id)
            for a in AuditEvent.objects.filter(object_type="cases.case", object_id=str(case.pk)).order_by(
                "id"
            )
        ],
        "deadlines": [(d.before, d.after, d.reason) for d in case.deadline_changes.all()],
        "items": list(case.items.values_list("item_version_id", "name")),
        "messages": [
            (m.event, m.status, m.text.replace(case.number, "N").replace(case.tracking_token, "T"))
            for m in Message.objects.filter(object_id=str(case.pk))
        ],
        "numbered": all(
            a.object_repr.startswith(case.number)
            for a in AuditEvent.objects.filter(object_type="cases.case", object_id=str(case.pk))
        ),
    }


def test_registration_fast_lane_writes_and_answers_like_the_full_stack(
    org, items, client, settings, monkeypatch, django_capture_on_commit_callbacks
):
    created = _spy(monkeypatch, "create")
    key = token_issue(by=org.user("sysadmin"), user=org.user("town_agent")).key
    headers = {"HTTP_AUTHORIZATION": f"Token {key}", "HTTP_USER_AGENT": "窗口终端/1.0"}
    payloads = [
        {
            "kind": "help",
            "mode": "assist",
            "applicant_type": "person",
            "applicant_name": "张三",
            "id_number": "11010519491231002X",
            "phone": "13812345678",
            "items": [items["license"].pk],
            "accept_now": True,
        },
        {
            "kind": "agency",
            "mode": "agency",
            "applicant_type": "enterprise",
            "applicant_name": "苏州某某有限公司",
            "credit_code": "91350100M000100Y43",
            "contact_name": "李四",
            "phone": "0512-66668888",
            "items": [items["license"].pk, items["immediate"].pk],
            "institution": org.station.pk,
            "channel": "phone",
        },
    ]
    for payload in payloads:
        with django_capture_on_commit_callbacks(execute=True):
            slow = _post(client, settings, False, payload, **headers)
        assert slow.status_code == 201 and len(created) == 1, slow.content
        created.clear()
        with django_capture_on_commit_callbacks(execute=True):
            fast = _post(client, settings, True, payload, **headers)
        assert fast.status_code == 201 and created == [], fast.content  # the fast lane answered
        assert dict(fast.headers) | {"Content-Length": "-"} == dict(slow.headers) | {"Content-Length": "-"}
        strip = lambda body: {k: v for k, v in body.items() if k not in VOLATILE}  # noqa: E731
        assert strip(fast.json()) == strip(slow.json())
        assert _case_rows(fast.json()["id"]) == _case_rows(slow.json()["id"])
        numbers = sorted([slow.json()["number"], fast.json()["number"]])
        assert int(numbers[1].rsplit("-", 1)[1]) == int(numbers[0].rsplit("-", 1)[1]) + 1  # no gap


def test_registration_fast_lane_leaves_refusals_and_bad_input_to_the_full_stack(
    org, items, client, settings, monkeypatch
):
    from bangban.audit.models import AuditEvent
    from bangban.cases.models import Case

    settings.BANGBAN_QUEUE_FAST_LANE = True
    calls = _spy(monkeypatch, "create")
    key = token_issue(by=org.user("sysadmin"), user=org.user("station_agent")).key
    auth = {"HTTP_AUTHORIZATION": f"Token {key}"}
    good = {
        "kind": "help",
        "mode": "assist",
        "applicant_type": "person",
        "applicant_name": "王五",
        "id_number": "11010519491231002X",
        "phone": "13812345678",
        "items": [items["license"].pk],
    }
    attempts = [
        ("{not json", 400),
        ({**good, "items": "x"}, 400),  # the serializer refuses
        ({**good, "id_number": "110105194912310021"}, 400),  # the service refuses: bad check digit
        ({**good, "institution": org.town2.pk}, 404),  # another town: refused and recorded
    ]
    for payload, status in attempts:
        calls.clear()
        refusals = AuditEvent.objects.filter(action="access.refused").count()
        response = _post(client, settings, True, payload, **auth)
        assert response.status_code == status, (payload, response.content)
        assert len(calls) == 1  # answered by the full stack
        assert response.json()["message"]
        expected = refusals + (1 if status == 404 else 0)
        assert AuditEvent.objects.filter(action="access.refused").count() == expected
    assert not Case.objects.exists()
    assert response.json()["code"] != "" and "id_number" not in response.json().get("message", "")
