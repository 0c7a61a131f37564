"""Pages and the live endpoints: the duty page, a clerk's call, the session of both sides, the long
poll (heartbeat, resume after a number, waking on Redis), the citizen's call by SMS code, scope."""

import json
import re
import threading
import time

import pytest
from django.test import override_settings

from bangban.core.testing import redis_url_or_skip
from bangban.remote import live, services
from bangban.remote.models import CallStatus, HelpCall

pytestmark = pytest.mark.django_db


def test_duty_page_shows_target_windows_and_waiting_calls(org, web, call):
    html = web(org.user("town_agent")).get("/remote/").content.decode()
    assert "60 秒" in html and "远程帮办一号窗" in html and "张三" in html and "接听下一个" in html
    queue = web(org.user("town_agent")).get("/remote/queue.json").json()
    assert [c["id"] for c in queue["calls"]] == [call.pk]
    # town2's agent serves no window of this town: nothing of the call.
    assert web(org.user("town2_agent")).get("/remote/queue.json").json()["calls"] == []
    # The clerk's station is served by the window: the page offers the call.
    assert "发起远程求助" in web(org.user("station_agent")).get("/remote/").content.decode()


def test_clerk_calls_agent_answers_and_both_reach_the_session(org, web, window, item):
    clerk = web(org.user("station_agent"))
    response = clerk.post("/remote/call/", {"caller_name": "张三", "item": item.pk, "need": ""})
    call = HelpCall.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/remote/calls/{call.pk}/"
    page = clerk.get(f"/remote/calls/{call.pk}/")
    assert "camera=(self)" in page["Permissions-Policy"] and "排队中" in page.content.decode()
    agent = web(org.user("town_agent"))
    assert agent.post(f"/remote/calls/{call.pk}/answer/")["Location"] == f"/remote/calls/{call.pk}/"
    assert "登记表单" in agent.get(f"/remote/calls/{call.pk}/").content.decode()
    # An agent of another town: a 404 that reveals nothing.
    other = web(org.user("town2_agent"))
    assert other.get(f"/remote/calls/{call.pk}/").status_code == 404
    assert other.get(f"/remote/calls/{call.pk}/events?after=0&wait=0").status_code == 404
    assert other.post(f"/remote/calls/{call.pk}/answer/").status_code == 404


def test_long_poll_resumes_after_a_number_and_carries_the_status(org, web, call):
    services.call_answer(by=org.user("town_agent"), call=call)
    agent, clerk = web(org.user("town_agent")), web(org.user("station_agent"))
    r = agent.post(
        f"/remote/calls/{call.pk}/post",
        json.dumps({"kind": "chat", "body": {"text": "您好"}}),
        content_type="application/json",
    )
    seq = r.json()["seq"]
    data = clerk.get(f"/remote/calls/{call.pk}/events", {"after": 0, "wait": "0"}).json()
    assert data["status"]["status"] == "answered" and data["events"][-1]["body"] == {"text": "您好"}
    assert clerk.get(f"/remote/calls/{call.pk}/events", {"after": seq, "wait": "0"}).json()["events"] == []
    bad = clerk.post(f"/remote/calls/{call.pk}/post", "{not json", content_type="application/json")
    assert bad.status_code == 400 and re.search(r"[\u4e00-\u9fff]", bad.json()["message"])
    bad = clerk.post(
        f"/remote/calls/{call.pk}/post",
        json.dumps({"kind": "form", "body": {}}),
        content_type="application/json",
    )
    assert bad.status_code == 400 and bad.json()["field"] == "kind"
    assert clerk.get(f"/remote/calls/{call.pk}/events", {"after": "x"}).status_code == 400


def test_the_live_endpoints_read_the_call_alone_yet_still_refuse_others(org, web, call):
    """A signal POST and a poll run several times a second per session: they must not join the call's
    case, item, window and users (a page's read); the scope check is the same as the page's."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    services.call_answer(by=org.user("town_agent"), call=call)
    agent, clerk = web(org.user("town_agent")), web(org.user("station_agent"))
    body = json.dumps({"kind": "chat", "body": {"text": "您好"}})
    with CaptureQueriesContext(connection) as posted:
        assert (
            agent.post(f"/remote/calls/{call.pk}/post", body, content_type="application/json").status_code
            == 200
        )
    with CaptureQueriesContext(connection) as polled:
        data = clerk.get(f"/remote/calls/{call.pk}/events", {"after": 0, "wait": "0"}).json()
    assert data["status"]["agent"] and data["events"][-1]["body"] == {"text": "您好"}
    lookups = [
        q["sql"] for q in posted.captured_queries + polled.captured_queries if "remote_helpcall" in q["sql"]
    ]
    bad = [q for q in lookups if "catalog_item" in q or "org_institution" in q]
    assert lookups and not bad, [q[q.find("FROM") :] for q in bad]
    other = web(org.user("town2_agent"))
    assert (
        other.post(f"/remote/calls/{call.pk}/post", body, content_type="application/json").status_code == 404
    )


@override_settings(BANGBAN_REMOTE_WAIT_SECONDS=0.3, BANGBAN_REMOTE_PUBSUB_URL="")
def test_a_wait_without_events_ends_in_time(org, web, call):
    services.call_answer(by=org.user("town_agent"), call=call)
    started = time.monotonic()
    data = web(org.user("station_agent")).get(f"/remote/calls/{call.pk}/events", {"after": 999}).json()
    assert data["events"] == [] and 0.25 <= time.monotonic() - started < 3


def test_open_waits_are_bounded(org, web, call, settings):
    settings.BANGBAN_REMOTE_MAX_WAITS = 0
    services.call_answer(by=org.user("town_agent"), call=call)
    data = web(org.user("station_agent")).get(f"/remote/calls/{call.pk}/events", {"after": 999}).json()
    assert data["retry_after"] == 1 and live.open_waits() == 0


def test_redis_wakes_a_waiter_at_once(settings):
    settings.BANGBAN_REMOTE_PUBSUB_URL = redis_url_or_skip()
    seen = []

    def check():
        return seen[:] if seen else None

    def later():
        time.sleep(0.3)
        seen.append(1)
        live.publish(424242)

    threading.Thread(target=later).start()
    started = time.monotonic()
    assert live.wait_for(424242, check, 10) == [1]
    # Woken by the message, well before the one-second safety re-read.
    assert time.monotonic() - started < 0.9


def test_citizen_calls_with_the_sms_code_and_holds_the_session_by_token(org, client, window, item):
    from bangban.notifications.models import Message

    form = {"window": window.pk, "caller_name": "赵六", "phone": "13912345678", "item": item.pk, "need": ""}
    assert client.post("/remote/help/", {**form, "send_code": "1"}).status_code == 200
    code = re.search(r"验证码(\d{6})", Message.objects.latest("id").text).group(1)
    wrong = client.post("/remote/help/", {**form, "code": "000000", "submit": "1"})
    assert wrong.status_code == 200 and "验证码" in wrong.content.decode() and not HelpCall.objects.exists()
    response = client.post("/remote/help/", {**form, "code": code, "submit": "1"})
    call = HelpCall.objects.get()
    assert response["Location"] == f"/remote/c/{call.caller_token}/"
    page = client.get(response["Location"])
    assert page.status_code == 200 and "排队中" in page.content.decode()
    data = client.get(f"/remote/c/{call.caller_token}/events", {"after": 0, "wait": "0"}).json()
    assert data["status"]["position"] == 1
    assert client.get("/remote/c/nosuchtoken/events", {"wait": "0"}).status_code == 404
    client.post(f"/remote/c/{call.caller_token}/hangup/")
    call.refresh_from_db()
    assert call.status == CallStatus.ABANDONED


def test_window_settings_page(org, web, item):
    admin = web(org.user("town_admin"))
    assert admin.get("/remote/windows/").status_code == 200
    response = admin.post(
        "/remote/windows/", {"institution": org.town.pk, "name": "二号窗", "tiers": "3", "items": [item.pk]}
    )
    assert response.status_code == 302
    assert web(org.user("town_agent")).get("/remote/windows/").status_code == 403
