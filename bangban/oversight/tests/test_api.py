import pytest

from bangban.oversight.models import Order
from bangban.oversight.tasks import escalate_overdue
from bangban.oversight.tests.conftest import at

pytestmark = pytest.mark.django_db
URL = "/api/v1/oversight/orders/"


def test_issue_answer_close_through_the_api(org, red_case, api):
    sup, agent = api(org.user("supervisor")), api(org.user("station_agent"))
    with at(2025, 11, 12):
        r = sup.post(URL, {"case": red_case.pk, "requirement": "请说明超期原因"}, format="json")
        assert r.status_code == 201, r.json()
        order = r.json()
        assert order["state"] == "pending" and order["due_date"] == "2025-11-14" and order["limit_days"] == 2
    with at(2025, 11, 17):
        escalate_overdue()
        r = agent.get(URL, {"box": "mine"})
        assert [o["id"] for o in r.json()["results"]] == [order["id"]]
        assert r.json()["results"][0]["late"] is True
        r = agent.post(f"{URL}{order['id']}/answer/", {"reply": "已办结"}, format="json")
        assert r.status_code == 200 and r.json()["state"] == "answered"
        r = sup.post(f"{URL}{order['id']}/close/", {"satisfied": True}, format="json")
        assert r.status_code == 200 and r.json()["state"] == "closed"
        r = sup.get(f"{URL}{order['id']}/")
        assert [e["type"] for e in r.json()["events"]] == ["issue", "escalate", "answer", "close"]


@pytest.mark.parametrize(
    "body,field",
    [
        ({"requirement": "x"}, "case"),
        ({"case": "abc", "requirement": "x"}, "case"),
        ({"case": 1, "requirement": "x" * 1001}, "requirement"),
        ({"case": 1, "requirement": "x", "limit_days": 11}, "limit_days"),
        ({"case": 1, "requirement": ""}, "requirement"),
    ],
)
def test_bad_input_is_a_chinese_400(org, red_case, api, body, field):
    body = {**body, "case": red_case.pk} if body.get("case") == 1 else body
    with at(2025, 11, 12):
        r = api(org.user("supervisor")).post(URL, body, format="json")
    assert r.status_code == 400
    assert field in {e.get("field") for e in r.json()["errors"]}
    assert not Order.objects.exists()


def test_refusals(org, red_case, api, other_supervisor):
    with at(2025, 11, 12):
        r = api(other_supervisor).post(URL, {"case": red_case.pk, "requirement": "x"}, format="json")
        assert r.status_code == 404
        r = api(org.user("station_agent")).post(URL, {"case": red_case.pk, "requirement": "x"}, format="json")
        assert r.status_code == 403
        order = api(org.user("supervisor")).post(
            URL, {"case": red_case.pk, "requirement": "x"}, format="json"
        )
        oid = order.json()["id"]
        assert api(org.user("station2_agent")).get(f"{URL}{oid}/").status_code == 404
        r = api(org.user("station2_agent")).post(f"{URL}{oid}/answer/", {"reply": "x"}, format="json")
        assert r.status_code == 404
        r = api(org.user("supervisor")).post(f"{URL}{oid}/close/", {"satisfied": True}, format="json")
        assert r.status_code == 400 and r.json()["code"] == "not_allowed"
        assert api().get(URL).status_code in (401, 403)
