"""Remote help services: routing, the queue, answering, session events, acceptance, stale sessions."""

from datetime import timedelta

import pytest
from django.utils import timezone

from bangban.audit.models import AuditEvent
from bangban.cases.models import CaseEvent, Status
from bangban.core.errors import AccessRefused, NotInScope, ServiceError
from bangban.remote import selectors, services
from bangban.remote.models import CallStatus, HelpCall, SessionEvent
from bangban.remote.tests.conftest import FORM

pytestmark = pytest.mark.django_db


def test_station_call_is_routed_to_the_nearest_window_serving_its_tier_and_item(org, window, item):
    county = services.window_save(by=org.user("county_admin"), institution=org.county, name="区中心云窗口")
    call = services.call_create_station(by=org.user("station_agent"), caller_name="张三", item=item)
    assert call.window == window and call.station == org.station and call.clerk == org.user("station_agent")
    # station3 is under town2, which has no window: the county answers it.
    agent3 = __import__("bangban.core.testing", fromlist=["make_user"]).make_user(
        "station3_agent", org.station3, ["agent"]
    )
    assert services.call_create_station(by=agent3, caller_name="李四", need="咨询").window == county
    # A window restricted to other items is passed over.
    other = __import__("bangban.cases.tests.conftest", fromlist=["make_item"]).make_item(
        org, "别的事项", code_seq=2
    )
    window.items.set([other])
    assert (
        services.call_create_station(by=org.user("station_agent"), caller_name="王五", item=item).window
        == county
    )
    assert AuditEvent.objects.filter(action="remote.call.create").count() == 3


def test_a_call_names_an_item_or_a_need_and_bounded_texts(org, window):
    with pytest.raises(ServiceError) as exc:
        services.call_create_station(by=org.user("station_agent"), caller_name="张三")
    assert exc.value.field == "need"
    with pytest.raises(ServiceError) as exc:
        services.call_create_station(by=org.user("station_agent"), caller_name="张" * 101, need="x")
    assert "100" in exc.value.message and exc.value.field == "caller_name"
    with pytest.raises(ServiceError):
        services.call_create_station(by=org.user("station_agent"), caller_name="张三", item=99999999)
    assert not HelpCall.objects.exists()


def test_place_in_queue_and_estimate(org, window, item):
    clerk = org.user("station_agent")
    first = services.call_create_station(by=clerk, caller_name="甲", item=item)
    second = services.call_create_station(by=clerk, caller_name="乙", item=item)
    s1, s2 = selectors.queue_status(first), selectors.queue_status(second)
    assert (s1["position"], s2["position"]) == (1, 2)
    assert s1["estimate_seconds"] == 0 and s2["estimate_seconds"] == selectors.DEFAULT_SESSION_SECONDS
    services.call_answer(by=org.user("town_agent"), call=first)
    assert selectors.queue_status(second)["position"] == 1


def test_only_agents_on_duty_at_the_window_answer(org, window, call):
    # town2's agent serves another window: the call is not theirs (404, reveals nothing).
    with pytest.raises(NotInScope):
        services.call_answer(by=org.user("town2_agent"), call=call)
    # The clerk who called is staff of the station, not of the window.
    with pytest.raises(NotInScope):
        services.call_answer(by=org.user("station_agent"), call=call)
    # A colleague at the town who is not on duty is told to go on duty first.
    from bangban.core.testing import make_user

    colleague = make_user("town_agent2", org.town, ["agent"])
    with pytest.raises(ServiceError) as exc:
        services.call_answer(by=colleague, call=call)
    assert exc.value.code == "not_on_duty"
    with pytest.raises(AccessRefused):
        services.duty_start(by=org.user("supervisor"), window=window)
    call.refresh_from_db()
    assert call.status == CallStatus.QUEUED and call.agent is None


def test_next_prefers_the_agents_skills_then_waiting_time(org, window, item):
    from bangban.cases.tests.conftest import make_item

    other = make_item(org, "其他事项", code_seq=3)
    clerk = org.user("station_agent")
    older = services.call_create_station(by=clerk, caller_name="甲", item=other)
    skilled = services.call_create_station(by=clerk, caller_name="乙", item=item)
    agent = org.user("town_agent")
    services.duty_start(by=agent, window=window, skills=[item])
    assert services.call_next(by=agent).pk == skilled.pk
    services.duty_start(by=agent, window=window, skills=[])
    assert services.call_next(by=agent).pk == older.pk
    with pytest.raises(ServiceError) as exc:
        services.call_next(by=agent)
    assert exc.value.code == "empty"


def test_caller_hangs_up_while_queued(org, call):
    services.call_hangup(call=call, side="caller", by=org.user("station_agent"))
    call.refresh_from_db()
    assert call.status == CallStatus.ABANDONED and call.ended_at
    assert AuditEvent.objects.filter(action="remote.call.hangup", object_id=str(call.pk)).count() == 1
    assert SessionEvent.objects.filter(call=call, kind="state").last().body["status"] == "abandoned"
    with pytest.raises(ServiceError):
        services.call_answer(by=org.user("town_agent"), call=call)


def test_agent_who_disconnects_returns_the_call_to_the_queue(org, call):
    call = services.call_answer(by=org.user("town_agent"), call=call)
    later = timezone.now() + timedelta(seconds=60)
    HelpCall.objects.filter(pk=call.pk).update(caller_seen_at=later)  # the clerk is still polling
    assert services.sweep_stale(now=later) == {"returned": 1, "closed": 0}
    call.refresh_from_db()
    assert call.status == CallStatus.QUEUED and call.agent is None and call.returned_count == 1
    assert AuditEvent.objects.filter(action="remote.call.return", object_id=str(call.pk)).exists()
    # Another agent answers it again.
    assert services.call_answer(by=org.user("town_agent"), call=call).status == CallStatus.ANSWERED


def test_agent_disconnect_after_acceptance_closes_the_session_with_a_record(org, call):
    call = services.call_answer(by=org.user("town_agent"), call=call)
    _confirmed_form(call)
    case = services.call_accept_case(by=org.user("town_agent"), call=call)
    later = timezone.now() + timedelta(seconds=60)
    HelpCall.objects.filter(pk=call.pk).update(caller_seen_at=later)
    assert services.sweep_stale(now=later) == {"returned": 0, "closed": 1}
    call.refresh_from_db()
    assert call.status == CallStatus.ENDED and "坐席断线" in call.end_reason
    assert CaseEvent.objects.filter(case=case, text__startswith=f"远程帮办会话 #{call.pk}").exists()


def test_a_silent_caller_abandons(org, call):
    assert services.sweep_stale(now=timezone.now() + timedelta(seconds=60)) == {"returned": 0, "closed": 1}
    call.refresh_from_db()
    assert call.status == CallStatus.ABANDONED and "求助方断线" in call.end_reason


def test_events_are_numbered_per_call_and_signals_reach_only_the_other_side(org, call):
    call = services.call_answer(by=org.user("town_agent"), call=call)
    a = services.event_post(call=call, side="agent", kind="offer", body={"sdp": "v=0"})
    c = services.event_post(call=call, side="caller", kind="chat", body={"text": "你好"})
    assert c.seq == a.seq + 1
    caller_sees = [e.kind for e in services.events_after(call, "caller", 0)]
    agent_sees = [e.kind for e in services.events_after(call, "agent", 0)]
    assert "offer" in caller_sees and "offer" not in agent_sees and "chat" in agent_sees
    assert [e.seq for e in services.events_after(call, "caller", a.seq)] == [c.seq]


@pytest.mark.parametrize(
    "side,kind,body,field",
    [
        ("caller", "form", {}, "kind"),
        ("agent", "confirm", {"seq": 1}, "kind"),
        ("agent", "chat", {"text": "x" * 1001}, "text"),
        ("agent", "chat", {"text": "  "}, "text"),
        ("agent", "offer", {"sdp": "x" * 20001}, "body"),
        ("agent", "offer", "not a dict", "body"),
        ("agent", "form", {"applicant_name": "x" * 101}, "applicant_name"),
        ("agent", "link", {"item": 1, "which": "other"}, "item"),
        ("caller", "confirm", {"seq": 999}, "seq"),
        ("nobody", "chat", {"text": "x"}, "side"),
    ],
)
def test_bad_events_are_refused_with_the_field(org, call, side, kind, body, field):
    call = services.call_answer(by=org.user("town_agent"), call=call)
    before = call.last_seq
    with pytest.raises(ServiceError) as exc:
        services.event_post(call=call, side=side, kind=kind, body=body)
    assert exc.value.field == field
    call.refresh_from_db()
    assert call.last_seq == before


def test_no_session_events_once_ended(org, call):
    services.call_hangup(call=call, side="caller")
    with pytest.raises(ServiceError) as exc:
        services.event_post(call=call, side="caller", kind="chat", body={"text": "还在吗"})
    assert exc.value.code == "closed"


def _confirmed_form(call, **extra):
    form = services.event_post(
        call=call, side="agent", kind="form", body={**FORM, "item": str(call.item_id), **extra}
    )
    services.event_post(call=call, side="caller", kind="confirm", body={"seq": form.seq})
    return form


def test_remote_acceptance_creates_the_case_at_the_station_with_the_agent_as_handler(org, call):
    agent, clerk = org.user("town_agent"), org.user("station_agent")
    call = services.call_answer(by=agent, call=call)
    form = services.event_post(call=call, side="agent", kind="form", body={**FORM, "item": str(call.item_id)})
    with pytest.raises(ServiceError) as exc:
        services.call_accept_case(by=agent, call=call)
    assert exc.value.code == "unconfirmed"
    services.event_post(call=call, side="caller", kind="confirm", body={"seq": form.seq})
    # A change after the confirmation needs a new one.
    services.event_post(
        call=call, side="agent", kind="form", body={**FORM, "item": str(call.item_id), "summary": "改"}
    )
    with pytest.raises(ServiceError):
        services.call_accept_case(by=agent, call=call)
    _confirmed_form(call)
    with pytest.raises(ServiceError):
        services.call_accept_case(by=clerk, call=call)
    case = services.call_accept_case(by=agent, call=call)
    assert case.institution == org.station and case.agent == agent and case.status == Status.ACCEPTED
    log = CaseEvent.objects.filter(case=case, type="log").first()
    assert "远程受理" in log.text and clerk.display_name in log.text
    services.event_post(call=call, side="caller", kind="chat", body={"text": "谢谢"})
    services.call_hangup(call=call, side="agent", by=agent)
    session = CaseEvent.objects.filter(case=case, text__startswith=f"远程帮办会话 #{call.pk}").get()
    assert "谢谢" in session.text and agent.display_name in session.text and "时长" in session.text
    assert AuditEvent.objects.filter(action="remote.call.accept", object_id=str(call.pk)).count() == 1
    assert AuditEvent.objects.filter(action="remote.call.end", object_id=str(call.pk)).count() == 1


def test_pushed_links_point_at_the_public_guide_and_notice(org, call):
    call = services.call_answer(by=org.user("town_agent"), call=call)
    guide = services.event_post(
        call=call, side="agent", kind="link", body={"item": call.item_id, "which": "guide"}
    )
    notice = services.event_post(
        call=call, side="agent", kind="link", body={"item": call.item_id, "which": "notice"}
    )
    assert guide.body["url"] == f"/items/{call.item_id}/" and "办事指南" in guide.body["title"]
    assert notice.body["url"].endswith("notice.pdf") and "一次性告知书" in notice.body["title"]


def test_public_call_needs_the_sms_code(org, window, item):
    import re

    from bangban.bookings.models import PhoneCode
    from bangban.bookings.verification import code_issue
    from bangban.notifications.models import Message

    with pytest.raises(ServiceError) as exc:
        services.call_create_public(
            window=window, caller_name="赵六", phone="13912345678", code="123456", item=item
        )
    assert exc.value.field == "code"
    code_issue(phone="13912345678", purpose=PhoneCode.Purpose.REQUEST, subject="remote")
    code = re.search(r"验证码(\d{6})", Message.objects.latest("id").text).group(1)
    call = services.call_create_public(
        window=window, caller_name="赵六", phone="13912345678", code=code, item=item
    )
    assert (
        call.origin == "public"
        and call.phone_masked.startswith("139")
        and "13912345678" not in call.phone_masked
    )
    assert selectors.call_for_token(call.caller_token) == call
    window.accepts_public = False
    window.save()
    with pytest.raises(ServiceError):
        services.call_create_public(
            window=window, caller_name="赵六", phone="13912345678", code=code, item=item
        )


def test_figures_per_window_and_agent(org, window, item):
    clerk, agent = org.user("station_agent"), org.user("town_agent")
    a = services.call_create_station(by=clerk, caller_name="甲", item=item)
    b = services.call_create_station(by=clerk, caller_name="乙", item=item)
    HelpCall.objects.filter(pk=a.pk).update(created_at=timezone.now() - timedelta(seconds=90))
    services.call_answer(by=agent, call=a)
    services.call_hangup(call=a, side="agent", by=agent)
    services.call_hangup(call=b, side="caller")
    figures = selectors.figures(windows=[window])
    (w, s), (ag, t) = figures["windows"][0], figures["agents"][0]
    assert w == window
    assert (s["calls"], s["answered"], s["abandoned"], s["within_target"]) == (2, 1, 1, 0)
    assert s["median_wait"] >= 89 and s["average_session"] is not None
    assert ag == agent and t["answered"] == 1


def test_window_settings_are_the_managers_and_in_scope(org):
    with pytest.raises(AccessRefused):
        services.window_save(by=org.user("town_agent"), institution=org.town, name="x")
    with pytest.raises(NotInScope):
        services.window_save(by=org.user("town_admin"), institution=org.town2, name="x")
    with pytest.raises(ServiceError) as exc:
        services.window_save(by=org.user("town_admin"), institution=org.station, name="x")
    assert exc.value.field == "institution"
    with pytest.raises(ServiceError) as exc:
        services.window_save(by=org.user("town_admin"), institution=org.town, name="x", tiers="4")
    assert exc.value.field == "tiers"


def test_demo_windows_are_idempotent(org):
    from bangban.remote.demo import load_remote_demo
    from bangban.remote.models import CloudWindow

    load_remote_demo()
    load_remote_demo()
    assert CloudWindow.objects.count() == 2


def test_bench_percentile_is_nearest_rank():
    from bench.remote_load import percentile

    values = list(range(1, 101))
    assert (percentile(values, 50), percentile(values, 99), percentile(values, 100)) == (50, 99, 100)
    assert percentile([], 99) == 0.0 and percentile([7], 99) == 7
