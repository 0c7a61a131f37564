"""The live endpoints' hand-written statements (a call read by token or by its staff, the events after
a seq, the next event number) give exactly what the ORM gives, and a poll re-reads the call only when
a state event says it changed."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bangban.core.errors import NotInScope, ServiceError
from bangban.remote import selectors, services
from bangban.remote.models import CallStatus, HelpCall, SessionEvent
from bangban.remote.tests.conftest import FORM

pytestmark = pytest.mark.django_db


def _values(obj):
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}


def _accepted(org, call):
    agent = org.user("town_agent")
    call = services.call_answer(by=agent, call=call)
    form = FORM | {"item": str(call.item_id)}
    seq = services.event_post(call=call, side="agent", kind="form", body=form).seq
    services.event_post(call=call, side="caller", kind="confirm", body={"seq": seq})
    services.call_accept_case(by=agent, call=call)
    return HelpCall.objects.select_related("agent", "case").get(pk=call.pk)


@pytest.mark.parametrize("stage", ["queued", "answered", "accepted"])
def test_a_call_reads_as_the_orm_reads_it(org, window, item, stage, django_assert_num_queries):
    clerk = org.user("station_agent")
    call = services.call_create_station(by=clerk, caller_name="张三", item=item)
    if stage == "answered":
        services.call_answer(by=org.user("town_agent"), call=call)
    elif stage == "accepted":
        _accepted(org, call)
    expected = HelpCall.objects.select_related(*selectors.LIVE_RELATED).get(pk=call.pk)
    expected_status = selectors.queue_status(expected)  # (a queued call's: the window's snapshot now kept)
    for user in (clerk, org.user("town_agent")) if stage != "queued" else (clerk,):
        for related in (selectors.LIVE_RELATED, ()):
            with django_assert_num_queries(1):
                got, side = selectors.call_for_staff(user, call.pk, related=related)
            assert _values(got) == _values(expected) and not got._state.adding
            assert side == ("agent" if user == expected.agent else "caller")
            if related:
                with django_assert_num_queries(0):  # the agent's name and the case's number came with it
                    assert selectors.queue_status(got) == expected_status
    if stage == "accepted":
        assert expected.case.number in str(selectors.queue_status(expected))


def test_a_citizen_call_reads_by_its_token_only(org, window, item):
    call = HelpCall.objects.create(window=window, origin="public", caller_name="李四", need="咨询")
    got = selectors.call_for_token(call.caller_token, related=selectors.LIVE_RELATED)
    assert _values(got) == _values(HelpCall.objects.get(pk=call.pk))
    assert got.agent is None and got.case is None
    assert selectors.call_for_token(call.caller_token[:-1] + "x", related=()) is None
    station = services.call_create_station(by=org.user("station_agent"), caller_name="甲", item=item)
    assert selectors.call_for_token(station.caller_token, related=()) is None  # not a citizen's call
    assert selectors.call_for_token(call.caller_token, related=selectors.FULL_RELATED).pk == call.pk


def test_only_its_agent_or_clerk_reads_a_call(org, window, item):
    call = services.call_create_station(by=org.user("station_agent"), caller_name="甲", item=item)
    for user in (org.user("town_agent"), org.user("town2_agent")):  # not (yet) its agent
        with pytest.raises(NotInScope):
            selectors.call_for_staff(user, call.pk, related=())
    with pytest.raises(NotInScope):
        selectors.call_for_staff(org.user("station_agent"), call.pk + 1000, related=selectors.LIVE_RELATED)


def test_events_after_as_the_orm_reads_them(org, call):
    agent = org.user("town_agent")
    call = services.call_answer(by=agent, call=call)
    ice = {"candidate": {"candidate": "candidate:1 1 udp 1 127.0.0.1 9 typ host", "sdpMid": "0"}}
    services.event_post(call=call, side="agent", kind="ice", body=ice)
    services.event_post(call=call, side="caller", kind="ice", body=ice)
    services.event_post(call=call, side="caller", kind="chat", body={"text": "你好"})
    for side, other in (("caller", "agent"), ("agent", "caller")):
        for after in (0, 2, call.last_seq + 3):
            expected = list(
                SessionEvent.objects.filter(call=call, seq__gt=after).exclude(to=other).order_by("seq")
            )
            got = services.events_after(call, side, after)
            assert [_values(e) for e in got] == [_values(e) for e in expected]
    assert [e.kind for e in services.events_after(call, "caller", 0)][-2:] == ["ice", "chat"]
    assert len(services.events_after(call, "caller", 0, limit=2)) == 2


def test_event_numbers_follow_each_other_and_stop_at_the_limit(org, call, monkeypatch):
    call = services.call_answer(by=org.user("town_agent"), call=call)
    first = services.event_post(call=call, side="caller", kind="chat", body={"text": "一"})
    second = services.event_post(call=call, side="agent", kind="chat", body={"text": "二"})
    assert second.seq == first.seq + 1 and SessionEvent.objects.get(pk=second.pk).body == {"text": "二"}
    assert HelpCall.objects.get(pk=call.pk).last_seq == second.seq
    monkeypatch.setattr(services, "MAX_EVENTS_PER_CALL", second.seq)
    with pytest.raises(ServiceError) as exc:
        services.event_post(call=call, side="caller", kind="chat", body={"text": "三"})
    assert exc.value.code == "limit"
    assert HelpCall.objects.get(pk=call.pk).last_seq == second.seq
    assert SessionEvent.objects.filter(call=call).count() == second.seq


def test_a_poll_rereads_the_call_only_after_a_state_event(org, web, call):
    agent = org.user("town_agent")
    c = web(org.user("station_agent"))
    url = f"/remote/calls/{call.pk}/events"
    call = services.call_answer(by=agent, call=call)
    data = c.get(url, {"after": 0, "wait": "0"}).json()  # the state event of the answer
    assert data["status"]["status"] == CallStatus.ANSWERED and data["status"]["agent"] == agent.display_name
    after = data["events"][-1]["seq"]
    ice = {"candidate": {"candidate": "candidate:1 1 udp 1 127.0.0.1 9 typ host", "sdpMid": "0"}}
    services.event_post(call=call, side="agent", kind="ice", body=ice)
    with CaptureQueriesContext(connection) as q:
        data = c.get(url, {"after": after, "wait": "0"}).json()
    assert [e["kind"] for e in data["events"]] == ["ice"]
    assert data["status"]["status"] == CallStatus.ANSWERED
    reads = [x["sql"] for x in q.captured_queries if 'FROM "remote_helpcall"' in x["sql"]]
    assert len(reads) == 1, reads  # the call as the request began, not again
    after = data["events"][-1]["seq"]
    services.call_hangup(call=call, side="agent", by=agent)
    data = c.get(url, {"after": after, "wait": "0"}).json()
    assert data["status"]["status"] == CallStatus.ENDED


def _call_row(call):
    return _values(HelpCall.objects.get(pk=call.pk))


@pytest.mark.parametrize("kind", ["ice", "chat", "form", "confirm", "link"])
def test_a_posted_event_is_what_the_orm_reads_back_and_what_its_publication_carries(org, call, kind):
    """The event and the call's counters as written by the one numbering statement: the row the ORM
    reads back, and (as the long-polls answer it from the publication) what events_after answers."""
    from bangban.remote.tests.conftest import FORM

    call = services.call_answer(by=org.user("town_agent"), call=call)
    if kind == "confirm":
        form = services.event_post(
            call=call, side="agent", kind="form", body=FORM | {"item": str(call.item_id)}
        )
    side, body = {
        "ice": (
            "agent",
            {"candidate": {"candidate": "candidate:1 1 udp 1 127.0.0.1 9 typ host", "sdpMid": "0"}},
        ),
        "chat": ("caller", {"text": "你好 世界"}),
        "form": ("agent", FORM | {"item": str(call.item_id)}),
        "confirm": ("caller", {"seq": form.seq} if kind == "confirm" else {}),
        "link": ("agent", {"item": call.item_id, "which": "guide"}),
    }[kind]
    before = _call_row(call)
    event = services.event_post(call=call, side=side, kind=kind, body=body)
    stored = SessionEvent.objects.get(pk=event.pk)
    assert _values(event) == _values(stored) and not event._state.adding
    assert event.seq == before["last_seq"] + 1 == call.last_seq
    other = "caller" if side == "agent" else "agent"
    read = [e for e in services.events_after(call, other if kind == "ice" else side, event.seq - 1)]
    import json

    carried = json.loads(json.dumps(services.event_json(event)))  # as Redis carries it
    assert carried == json.loads(json.dumps(services.event_json(read[0])))
    after = _call_row(call)
    changed = {k for k in after if after[k] != before[k]}
    expected = {"last_seq"} | {"form": {"form", "form_seq"}, "confirm": {"confirmed_seq"}}.get(kind, set())
    assert changed == expected, changed
    if kind == "form":
        assert after["form"] == stored.body and after["form_seq"] == event.seq
    if kind == "confirm":
        assert after["confirmed_seq"] == form.seq


def test_a_signal_is_one_statement_on_postgresql(org, call, django_assert_num_queries):
    call = services.call_answer(by=org.user("town_agent"), call=call)
    ice = {"candidate": {"candidate": "candidate:1 1 udp 1 127.0.0.1 9 typ host", "sdpMid": "0"}}
    # PostgreSQL: the numbering UPDATE and the INSERT in one statement, no transaction of its own;
    # SQLite: the two (in a transaction of their own outside the test's).
    with django_assert_num_queries(1 if connection.vendor == "postgresql" else 2):
        services.event_post(call=call, side="agent", kind="ice", body=ice)


@pytest.mark.parametrize(
    "stage,side,kind,body,code",
    [
        ("ended", "caller", "chat", {"text": "还在吗"}, "closed"),
        ("queued", "caller", "ice", {"candidate": None}, "closed"),
        ("queued", "agent", "chat", {"text": "x"}, "closed"),
        ("accepted", "agent", "form", FORM, "invalid"),
        ("answered", "caller", "confirm", {"seq": 1}, "stale"),
        ("full", "agent", "chat", {"text": "x"}, "limit"),
    ],
)
def test_a_refused_post_writes_nothing_and_says_why(org, call, monkeypatch, stage, side, kind, body, code):
    if stage == "queued":
        pass
    elif stage == "accepted":
        call = _accepted(org, call)
    else:
        call = services.call_answer(by=org.user("town_agent"), call=call)
        if stage == "ended":
            services.call_hangup(call=call, side="caller")
        elif stage == "full":
            monkeypatch.setattr(services, "MAX_EVENTS_PER_CALL", HelpCall.objects.get(pk=call.pk).last_seq)
    before, events = _call_row(call), SessionEvent.objects.filter(call=call).count()
    if kind == "form":
        body = body | {"item": str(call.item_id)}
    with pytest.raises(ServiceError) as exc:
        services.event_post(call=call, side=side, kind=kind, body=body)
    assert exc.value.code == code
    assert _call_row(call) == before and SessionEvent.objects.filter(call=call).count() == events


def test_a_queued_caller_may_chat(org, call):
    event = services.event_post(call=call, side="caller", kind="chat", body={"text": "请稍等"})
    assert SessionEvent.objects.get(pk=event.pk).body == {"text": "请稍等"}


@pytest.mark.parametrize("stage", ["queued", "answered", "accepted"])
def test_a_poll_reads_the_call_and_its_events_in_one_statement_as_the_orm_reads_them(
    org, window, item, stage, django_assert_num_queries
):
    clerk, agent = org.user("station_agent"), org.user("town_agent")
    call = services.call_create_station(by=clerk, caller_name="张三", item=item)
    public = HelpCall.objects.create(window=window, origin="public", caller_name="李四", need="咨询")
    ice = {"candidate": {"candidate": "candidate:1 1 udp 1 127.0.0.1 9 typ host", "sdpMid": "0"}}
    for c in (call, public):
        if stage == "queued":
            services.event_post(call=c, side="caller", kind="chat", body={"text": "在吗"})
            continue
        c = services.call_answer(by=agent, call=c)
        for side in ("agent", "caller", "agent"):
            services.event_post(call=c, side=side, kind="ice", body=ice)
        services.event_post(call=c, side="caller", kind="chat", body={"text": "你好"})
    if stage == "accepted":
        form = FORM | {"item": str(call.item_id)}
        seq = services.event_post(call=call, side="agent", kind="form", body=form).seq
        services.event_post(call=call, side="caller", kind="confirm", body={"seq": seq})
        services.call_accept_case(by=agent, call=HelpCall.objects.get(pk=call.pk))
    readers = [(clerk, "caller")] + ([(agent, "agent")] if stage != "queued" else [])
    for c in (call, public):
        expected_call = HelpCall.objects.select_related(*selectors.LIVE_RELATED).get(pk=c.pk)
        for after in (0, 1, 3, expected_call.last_seq, expected_call.last_seq + 5):
            for user, side in readers if c == call else [(None, "caller")]:
                with django_assert_num_queries(1):
                    if user is None:
                        got, got_side = selectors.live_call_for_token(c.caller_token, after), "caller"
                    else:
                        got, got_side = selectors.live_call_for_staff(user, c.pk, after)
                assert got_side == side and _values(got) == _values(expected_call)
                assert got.agent_id is None or got.agent.display_name == expected_call.agent.display_name
                assert (got.case.number if got.case_id else None) == (
                    expected_call.case.number if expected_call.case_id else None
                )
                other = "agent" if side == "caller" else "caller"
                expected = (
                    SessionEvent.objects.filter(call=c, seq__gt=after).exclude(to=other).order_by("seq")
                )
                assert [_values(e) for e in got.live_events] == [_values(e) for e in expected]
                assert [e.seq for e in got.live_events] == [
                    e.seq for e in services.events_after(c, side, after)
                ]
    assert selectors.live_call_for_token(call.caller_token, 0) is None  # a station's call: no token read
    assert selectors.live_call_for_token("x" * 65, 0) is None
    with pytest.raises(NotInScope):
        selectors.live_call_for_staff(org.user("town2_agent"), call.pk, 0)
    with pytest.raises(NotInScope):
        selectors.live_call_for_staff(clerk, "abc", 0)


def test_a_poll_reads_at_most_a_page_of_events(org, call, monkeypatch):
    call = services.call_answer(by=org.user("town_agent"), call=call)
    for i in range(5):
        services.event_post(call=call, side="caller", kind="chat", body={"text": f"第{i}条"})
    monkeypatch.setattr(selectors, "EVENTS_LIMIT", 3)
    got, _ = selectors.live_call_for_staff(org.user("station_agent"), call.pk, 0)
    assert [e.seq for e in got.live_events] == [1, 2, 3]
