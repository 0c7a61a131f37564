"""Remote help through the API: the journey, scope refusals as 404, bad ids and fields as 400 in Chinese."""

import pytest

from bangban.audit.models import AuditEvent
from bangban.remote import services
from bangban.remote.models import CallStatus, HelpCall
from bangban.remote.tests.conftest import FORM

pytestmark = pytest.mark.django_db

BASE = "/api/v1/remote"


def test_journey_windows_duty_call_answer_chat_accept_close(org, api, item):
    window = services.window_save(by=org.user("town_admin"), institution=org.town, name="一号窗", tiers="3")
    agent, clerk = api(org.user("town_agent")), api(org.user("station_agent"))

    r = agent.get(f"{BASE}/windows/")
    assert r.status_code == 200, r.json()
    assert [(w["id"], w["me_on_duty"], w["agents_on_duty"]) for w in r.json()] == [(window.pk, False, 0)]
    r = agent.post(f"{BASE}/windows/{window.pk}/duty/", {"on": True, "skills": [item.pk]}, format="json")
    assert r.status_code == 200 and r.json() == {"window": window.pk, "on_duty": True}
    assert agent.get(f"{BASE}/windows/").json()[0]["agents_on_duty"] == 1

    r = clerk.post(f"{BASE}/calls/", {"caller_name": "张三", "item": item.pk}, format="json")
    assert r.status_code == 201, r.json()
    call = r.json()
    assert call["window"] == window.pk and call["status"] == "queued" and call["side"] == "caller"
    assert call["queue"]["position"] == 1 and call["queue"]["agents"] == 1
    pk = call["id"]
    r = clerk.post(f"{BASE}/calls/{pk}/messages/", {"text": "您好，在吗？"}, format="json")
    assert r.status_code == 201

    assert [c["id"] for c in agent.get(f"{BASE}/calls/", {"status": "queued"}).json()["results"]] == [pk]
    r = agent.post(f"{BASE}/calls/next/")
    assert r.status_code == 200, r.json()
    assert r.json()["id"] == pk and r.json()["status"] == "answered" and r.json()["side"] == "agent"

    r = agent.post(f"{BASE}/calls/{pk}/messages/", {"text": "您好，请讲"}, format="json")
    seq = r.json()["seq"]
    r = clerk.get(f"{BASE}/calls/{pk}/messages/", {"after": seq - 1})
    assert r.status_code == 200
    assert [(m["side"], m["body"]["text"]) for m in r.json()["messages"]] == [("agent", "您好，请讲")]
    assert r.json()["next_after"] == seq and r.json()["status"]["status"] == "answered"
    all_messages = clerk.get(f"{BASE}/calls/{pk}/messages/").json()["messages"]
    assert [m["kind"] for m in all_messages] == ["state", "chat", "state", "chat"]

    # The form and the confirmation go through the session page's events; acceptance through the API.
    call_obj = HelpCall.objects.get(pk=pk)
    form = services.event_post(call=call_obj, side="agent", kind="form", body={**FORM, "item": str(item.pk)})
    services.event_post(call=call_obj, side="caller", kind="confirm", body={"seq": form.seq})
    r = agent.post(f"{BASE}/calls/{pk}/accept/")
    assert r.status_code == 201, r.json()
    assert r.json()["case"]

    r = agent.post(f"{BASE}/calls/{pk}/close/", {"reason": "已受理完毕"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "ended" and r.json()["end_reason"] == "已受理完毕"
    assert AuditEvent.objects.filter(action="remote.call.end").count() == 1

    r = agent.post(f"{BASE}/windows/{window.pk}/duty/", {"on": False}, format="json")
    assert r.json()["on_duty"] is False


def test_the_clerk_cancels_a_queued_call_and_answering_it_then_fails(org, api, window, item):
    clerk, agent = api(org.user("station_agent")), api(org.user("town_agent"))
    pk = clerk.post(f"{BASE}/calls/", {"caller_name": "李四", "need": "咨询社保"}, format="json").json()["id"]
    r = clerk.post(f"{BASE}/calls/{pk}/hangup/")
    assert r.status_code == 200 and r.json()["status"] == CallStatus.ABANDONED
    r = agent.post(f"{BASE}/calls/{pk}/answer/")
    assert (
        r.status_code == 400
        and r.json()["code"] == "taken"
        and "已被其他坐席接听或已结束" in r.json()["message"]
    )
    # Only the answering agent closes a session; the clerk is told so.
    r = clerk.post(f"{BASE}/calls/{pk}/close/", {}, format="json")
    assert r.status_code == 400


def test_out_of_scope_is_not_found(org, api, call):
    """Another town's agent, another county's admin, a colleague who is neither party: 404, nothing said."""
    for user in ("town2_agent", "other_admin", "station2_agent"):
        client = api(org.user(user))
        for method, path in [
            ("get", f"{BASE}/calls/{call.pk}/"),
            ("get", f"{BASE}/calls/{call.pk}/messages/"),
            ("post", f"{BASE}/calls/{call.pk}/messages/"),
            ("post", f"{BASE}/calls/{call.pk}/hangup/"),
            ("post", f"{BASE}/calls/{call.pk}/close/"),
            ("post", f"{BASE}/calls/{call.pk}/accept/"),
        ]:
            r = (
                getattr(client, method)(path, {"text": "x"}, format="json")
                if method == "post"
                else client.get(path)
            )
            assert r.status_code == 404, (user, path, r.status_code)
            # The same answer as for an id that does not exist: nothing is revealed.
            missing = path.replace(f"/calls/{call.pk}/", "/calls/99999999/")
            r2 = getattr(client, method)(missing, {"text": "x"}, format="json")
            assert r2.status_code == 404 and r.json() == r2.json(), (r.json(), r2.json())
        assert call.pk not in [c["id"] for c in client.get(f"{BASE}/calls/").json()["results"]]
    # Answering is for windows in scope: the other town's agent gets 404, not "not on duty".
    assert api(org.user("town2_agent")).post(f"{BASE}/calls/{call.pk}/answer/").status_code == 404
    r = api(org.user("town2_agent")).post(
        f"{BASE}/windows/{call.window_id}/duty/", {"on": True}, format="json"
    )
    assert r.status_code == 404
    assert HelpCall.objects.get(pk=call.pk).status == CallStatus.QUEUED


def test_bad_ids_and_fields_answer_400_in_chinese_and_change_nothing(org, api, window, item):
    clerk = api(org.user("station_agent"))
    for body, field in [
        ({"caller_name": "", "item": item.pk}, "caller_name"),
        ({"caller_name": "张" * 101, "item": item.pk}, "caller_name"),
        ({"caller_name": "张三", "item": 0}, "item"),
        ({"caller_name": "张三", "item": "abc"}, "item"),
        ({"caller_name": "张三", "item": 99999999}, "item"),
        ({"caller_name": "张三"}, "need"),
        ({"caller_name": "张三", "need": "x", "window": 99999999}, "window"),
        ({"caller_name": "张三", "need": "x" * 301}, "need"),
    ]:
        r = clerk.post(f"{BASE}/calls/", body, format="json")
        assert r.status_code == 400, (body, r.json())
        fields = {e["field"] for e in r.json().get("errors", [])} | {r.json().get("field")}
        assert field in fields, (body, r.json())
        assert any("\u4e00" <= ch <= "\u9fff" for ch in r.json()["message"])
    assert not HelpCall.objects.exists()

    call = services.call_create_station(by=org.user("station_agent"), caller_name="张三", item=item)
    for path in (
        f"{BASE}/calls/abc/",
        f"{BASE}/calls/0/",
        f"{BASE}/calls/99999999999/",
        f"{BASE}/calls/1e3/",
    ):
        assert clerk.get(path).status_code == 404
    r = clerk.get(f"{BASE}/calls/{call.pk}/messages/", {"after": "-1"})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "after"
    r = clerk.get(f"{BASE}/calls/", {"status": "nonsense"})
    assert r.status_code == 400 and "状态" in r.json()["message"]
    r = clerk.post(f"{BASE}/calls/{call.pk}/messages/", {"text": ""}, format="json")
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "text"
    r = api(org.user("town_agent")).post(
        f"{BASE}/windows/{window.pk}/duty/", {"on": True, "skills": [99999999]}, format="json"
    )
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "skills"
    r = api(org.user("town_agent")).post(f"{BASE}/windows/{window.pk}/duty/", {"on": "maybe"}, format="json")
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "on"
    assert HelpCall.objects.get(pk=call.pk).last_seq == 1
