"""The long-poll path's cost and its wake-ups: few queries per poll, nothing per waiter while asleep,
the queue position shared per window, a waiter woken by another server (database or Redis)."""

import threading
import time

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from bangban.core.testing import redis_url_or_skip
from bangban.remote import live, selectors, services
from bangban.remote.models import HelpCall


def _poll(client, url):
    with CaptureQueriesContext(connection) as q:
        data = client.get(url, {"after": 10**6, "wait": "0"}).json()
    return data, [x["sql"] for x in q.captured_queries]


@pytest.mark.django_db
def test_a_poll_when_nothing_changed_reads_the_call_and_its_events_only(org, web, window, item, settings):
    settings.BANGBAN_REMOTE_PUBSUB_URL = ""
    clerk = org.user("station_agent")
    calls = [services.call_create_station(by=clerk, caller_name=f"甲{i}", item=item) for i in range(6)]
    services.call_answer(by=org.user("town_agent"), call=calls[0])
    c = web(clerk)
    c.get(f"/remote/calls/{calls[4].pk}/events", {"after": 0, "wait": "0"})  # heartbeat, snapshot
    data, queries = _poll(c, f"/remote/calls/{calls[4].pk}/events")
    assert data["status"]["position"] == 4 and data["status"]["agents"] == 1
    remote = [q for q in queries if "remote_" in q]
    # The call (with its agent and case) and its events after `after`, in one statement; the queue
    # from the snapshot.
    assert len(remote) == 1, remote
    # Other callers of the window share the snapshot: no count over the waiting calls.
    data, queries = _poll(c, f"/remote/calls/{calls[5].pk}/events")
    assert data["status"]["position"] == 5
    assert not [q for q in queries if "COUNT(" in q.upper()]
    agent = web(org.user("town_agent"))
    agent.get(f"/remote/calls/{calls[0].pk}/events", {"after": 0, "wait": "0"})
    _, queries = _poll(agent, f"/remote/calls/{calls[0].pk}/events")
    assert len([q for q in queries if "remote_" in q]) == 1


@pytest.mark.django_db
def test_the_queue_snapshot_follows_every_change(org, window, item):
    clerk, agent = org.user("station_agent"), org.user("town_agent")
    a, b, c = (services.call_create_station(by=clerk, caller_name=n, item=item) for n in "甲乙丙")
    assert [selectors.queue_status(x)["position"] for x in (a, b, c)] == [1, 2, 3]
    services.call_hangup(call=a, side="caller", by=clerk)
    assert selectors.queue_status(HelpCall.objects.get(pk=c.pk))["position"] == 2
    services.duty_stop(by=agent, window=window)
    assert selectors.queue_status(HelpCall.objects.get(pk=c.pk))["agents"] == 0
    services.duty_start(by=agent, window=window)
    services.call_answer(by=agent, call=b)
    status = selectors.queue_status(HelpCall.objects.get(pk=c.pk))
    assert status["position"] == 1 and status["agents"] == 1
    d = services.call_create_station(by=clerk, caller_name="丁", item=item)
    assert selectors.queue_status(d)["position"] == 2


@pytest.mark.django_db(transaction=True)
def test_another_server_without_redis_wakes_a_waiter_through_the_database(org, window, item, settings):
    """No publish reaches this process: the watcher's one query per tick sees the call's counter move."""
    settings.BANGBAN_REMOTE_PUBSUB_URL = ""
    settings.BANGBAN_REMOTE_POLL_SECONDS = 0.05
    call = services.call_create_station(by=org.user("station_agent"), caller_name="甲", item=item)
    seen = call.last_seq

    def other_server():
        time.sleep(0.3)
        HelpCall.objects.filter(pk=call.pk).update(last_seq=F("last_seq") + 1)
        connection.close()

    def check():
        return HelpCall.objects.filter(pk=call.pk, last_seq__gt=seen).exists()

    threading.Thread(target=other_server).start()
    started = time.monotonic()
    assert live.wait_for(call.pk, check, 10, seen=seen) is True
    assert time.monotonic() - started < 2
    assert live.waiting_calls() == 0


@pytest.mark.django_db
def test_a_message_from_another_server_on_redis_wakes_a_waiter(settings):
    """Published by a plain Redis client (not this process's publish): the process's one subscriber
    hears it; the waiter holds no Redis connection of its own."""
    import redis

    url = redis_url_or_skip()
    settings.BANGBAN_REMOTE_PUBSUB_URL = url
    settings.BANGBAN_REMOTE_POLL_SECONDS = 30  # the database watcher is not what wakes it here
    seen = []

    def check():
        return seen[:] if seen else None

    live.wait_for(535353, check, 0.01)  # starts this process's subscriber
    for _ in range(50):
        if live._listener() is not None and live._listener().ready.is_set():
            break
        time.sleep(0.1)

    def other_server():
        time.sleep(0.3)
        seen.append(1)
        redis.Redis.from_url(url).publish(live.CHANNEL.format(535353), "1")

    threading.Thread(target=other_server).start()
    started = time.monotonic()
    assert live.wait_for(535353, check, 10) == [1]
    assert time.monotonic() - started < 0.9


class _RecordingWaiter(live._Waiter):
    """A waiter that notes, each time it goes to sleep, whether its thread holds a connection."""

    held: list[bool] = []

    def __init__(self, seen, *side):
        super().__init__(seen, *side)
        outer = self

        class Event(threading.Event):
            def wait(self, timeout=None):
                outer.held.append(connection.connection is not None)
                return super().wait(timeout)

        self.event = Event()


@pytest.mark.django_db(transaction=True)
def test_a_waiting_long_poll_holds_no_database_connection(org, web, window, item, settings, monkeypatch):
    """PostgreSQL's connections are the server's (and the pool's) few: given back before a sleep. A
    SQLite connection is a file of this process, kept (opening one again cost 1.4 ms of CPU)."""
    settings.BANGBAN_REMOTE_PUBSUB_URL = ""
    settings.BANGBAN_REMOTE_WAIT_SECONDS = 0.3
    monkeypatch.setattr(live, "_Waiter", _RecordingWaiter)
    monkeypatch.setattr(_RecordingWaiter, "held", [])
    clerk = org.user("station_agent")
    call = services.call_create_station(by=clerk, caller_name="甲", item=item)
    c = web(clerk)
    data = c.get(f"/remote/calls/{call.pk}/events", {"after": call.last_seq}).json()
    assert data["events"] == []
    assert _RecordingWaiter.held, _RecordingWaiter.held
    if connection.vendor == "sqlite":
        assert all(_RecordingWaiter.held), _RecordingWaiter.held
    else:
        assert not any(_RecordingWaiter.held), _RecordingWaiter.held


@pytest.mark.django_db(transaction=True)
def test_a_long_poll_woken_for_nothing_sleeps_again_without_its_connection(
    org, web, window, item, settings, monkeypatch
):
    """Woken, it reads (a connection again) and finds nothing: it gives the connection back before it
    sleeps again, not only before its first sleep (with a pool, such sleepers held every connection)."""
    settings.BANGBAN_REMOTE_PUBSUB_URL = ""
    settings.BANGBAN_REMOTE_POLL_SECONDS = 30
    settings.BANGBAN_REMOTE_WAIT_SECONDS = 2.0
    monkeypatch.setattr(live, "_Waiter", _RecordingWaiter)
    monkeypatch.setattr(_RecordingWaiter, "held", [])
    clerk = org.user("station_agent")
    call = services.call_create_station(by=clerk, caller_name="甲", item=item)
    services.call_answer(by=org.user("town_agent"), call=call)
    call.refresh_from_db()

    def nudge():
        for _ in range(200):  # once the long-poll waits (a first request can take a while)
            if live.waiting_calls():
                break
            time.sleep(0.01)
        for _ in range(3):
            time.sleep(0.1)
            live.publish(call.pk)  # nothing new to read

    threading.Thread(target=nudge).start()
    data = web(clerk).get(f"/remote/calls/{call.pk}/events", {"after": call.last_seq}).json()
    assert data["events"] == []
    assert len(_RecordingWaiter.held) >= 3, _RecordingWaiter.held  # asleep again after each wake-up
    # (SQLite keeps its connection: a file of this process, see the test above.)
    assert not any(_RecordingWaiter.held) or connection.vendor == "sqlite", _RecordingWaiter.held


@pytest.mark.django_db
def test_a_signal_wakes_the_other_sides_long_poll_not_the_senders(
    org, window, item, settings, django_capture_on_commit_callbacks
):
    """Signalling goes to one side: the sender's own long-poll, which could not read it, sleeps on;
    a chat (for both) wakes both. On Redis the message names the side (an older server's "1": both)."""
    settings.BANGBAN_REMOTE_PUBSUB_URL = ""
    agent = org.user("town_agent")
    call = services.call_create_station(by=org.user("station_agent"), caller_name="甲", item=item)
    services.call_answer(by=agent, call=call)
    on_agent, on_caller = live._add(call.pk, None, "agent"), live._add(call.pk, None, "caller")
    try:
        candidate = {"candidate": {"candidate": "candidate:1 1 udp 1 127.0.0.1 9 typ host", "sdpMid": "0"}}
        with django_capture_on_commit_callbacks(execute=True):
            services.event_post(call=call, side="agent", kind="ice", body=candidate)
        assert on_caller.event.is_set() and not on_agent.event.is_set()
        on_caller.event.clear()
        live.publish(call.pk, "agent")
        assert on_agent.event.is_set() and not on_caller.event.is_set()
        on_agent.event.clear()
        live.publish(call.pk)
        assert on_agent.event.is_set() and on_caller.event.is_set()
    finally:
        live._remove(call.pk, on_agent)
        live._remove(call.pk, on_caller)
    assert [live._side_of(d) for d in (b"caller", b"agent", b"*", b"1", "agent")] == [
        "caller",
        "agent",
        "",
        "",
        "agent",
    ]


@pytest.mark.django_db(transaction=True)
def test_more_long_polls_than_pooled_connections_wait_at_once(org, window, settings):
    """PostgreSQL: the server's threads share a pool; a long-poll gives its connection back before it
    sleeps and a request at its end, so more waits than connections sleep together, and once woken
    (each reads again) the threads, alive as a server's, keep no connection of their own. Run as
    granian does: the WSGI handler, whose response's close ends the request."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.test import RequestFactory

    if connection.vendor != "postgresql":
        pytest.skip("a connection pool is PostgreSQL's")
    max_size = settings.DATABASES["default"]["OPTIONS"].get("pool", {}).get("max_size", 10)
    settings.BANGBAN_REMOTE_PUBSUB_URL = ""
    settings.BANGBAN_REMOTE_POLL_SECONDS = 30  # the watcher stays out of the count
    settings.BANGBAN_REMOTE_WAIT_SECONDS = 2.0
    n = max_size + 5
    tokens = [
        HelpCall.objects.create(
            window=window, origin="public", caller_name=f"甲{i}", need="测试"
        ).caller_token
        for i in range(n)
    ]
    handler, answered, leave = WSGIHandler(), [], threading.Event()

    def caller(token):
        environ = RequestFactory().get(f"/remote/c/{token}/events", {"after": 0}).environ
        response = handler(environ, lambda status, headers: None)
        answered.append(response.status_code)
        response.close()
        leave.wait(10)  # a server's thread lives on after its request

    threads = [threading.Thread(target=caller, args=(t,)) for t in tokens]
    for t in threads:
        t.start()

    def backends():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid()"
            )
            return cursor.fetchone()[0]

    try:
        for _ in range(100):
            if live.open_waits() == n:
                break
            time.sleep(0.02)
        assert live.open_waits() == n, f"{live.open_waits()} of {n} long-polls asleep at once"
        assert backends() <= max_size
        for token in tokens:  # woken, each reads its event and the call again
            services.event_post(
                call=HelpCall.objects.get(caller_token=token),
                side="caller",
                kind="chat",
                body={"text": "在吗"},
            )
        for _ in range(200):
            if len(answered) == n:
                break
            time.sleep(0.02)
        assert answered == [200] * n
        assert backends() <= max_size
    finally:
        leave.set()
        for t in threads:
            t.join()


def test_a_publication_carries_its_number_and_event():
    event = {"seq": 7, "side": "agent", "kind": "ice", "body": {"candidate": {"candidate": "a b"}}, "at": "x"}
    assert live._parse(live._message("caller", 7, event)) == ("caller", 7, event)
    assert live._parse(live._message("", 7, event).encode()) == ("", 7, event)
    assert live._parse(live._message("agent", 8, None)) == ("agent", 8, None)
    big = event | {"body": {"sdp": "x" * (live.EVENT_MAX + 1)}}
    assert live._parse(live._message("caller", 9, big)) == ("caller", 9, None)  # the waiter reads it
    # An older server's messages: a side, or "1", without a number.
    assert [live._parse(d) for d in (b"caller", b"*", b"1")] == [
        ("caller", None, None),
        ("", None, None),
        ("", None, None),
    ]
    assert live._parse(b"caller x {") == ("caller", None, None)
    assert live._parse(b"caller 5 {not json") == ("caller", 5, None)


def test_a_waiter_is_told_the_next_events_and_reads_only_what_it_missed():
    w = live._Waiter(5, "caller")
    e = {"seq": 7, "kind": "ice"}
    live._tell(w, "agent", 6, {"seq": 6})  # for the other side: looked past, not woken
    assert (w.seen, w.told, w.reread, w.event.is_set()) == (6, [], False, False)
    live._tell(w, "caller", 7, e)
    assert (w.seen, w.told, w.reread, w.event.is_set()) == (7, [e], False, True)
    live._tell(w, "caller", 7, e)  # its own process's publication heard again on Redis
    live._tell(w, "", 6, {"seq": 6})
    assert (w.seen, w.told, w.reread) == (7, [e], False)
    live._tell(w, "caller", 9, {"seq": 9})  # 8 was not heard here: read
    assert (w.seen, w.reread, w.top) == (7, True, 9)
    for to, seq, event in (("caller", 8, None), ("", None, None)):  # not carried; no number
        w = live._Waiter(7, "caller")
        live._tell(w, to, seq, event)
        assert w.reread and w.event.is_set() and not w.told
    w = live._Waiter(None, "caller")  # never saw a number: reads
    live._tell(w, "caller", 3, e)
    assert w.reread and not w.told and w.top == 3


def test_a_long_poll_answers_the_events_told_without_reading_them():
    checks, e8 = [], {"seq": 8, "kind": "chat"}

    def check():
        checks.append(1)
        return []

    def other_thread():
        for _ in range(200):
            if live.waiting_calls():
                break
            time.sleep(0.01)
        time.sleep(0.05)
        live._wake(424242, "", 8, e8)

    threading.Thread(target=other_thread).start()
    got = live.wait_for(424242, check, 5, seen=7, side="caller", told=lambda heard: heard)
    assert got == [e8] and len(checks) == 1  # the first check only


def test_a_long_poll_told_of_a_gap_reads_and_then_knows_the_numbers_up_to_it():
    checks = []

    def check():
        checks.append(1)
        return [] if len(checks) < 3 else ["read"]

    def other_thread():
        for _ in range(200):
            if live.waiting_calls():
                break
            time.sleep(0.01)
        time.sleep(0.05)
        live._wake(434343, "caller", 9, {"seq": 9})  # 8 missed: read (nothing for it yet)
        time.sleep(0.1)
        live._wake(434343, "caller", 10, {"seq": 10})  # next after 9: told
        time.sleep(0.1)
        live._wake(434343, "caller", 12, None)  # a gap again: read

    threading.Thread(target=other_thread).start()
    got = live.wait_for(434343, check, 5, seen=7, side="caller", told=lambda heard: [])
    assert got == ["read"] and len(checks) == 3


@pytest.mark.django_db(transaction=True)
def test_a_long_poll_woken_by_a_signal_answers_it_without_reading(org, web, window, item, settings):
    """The view end to end: the caller's long-poll asleep, the agent's signal; the poll answers the
    event its publication carried, which is the event as read from the database."""
    settings.BANGBAN_REMOTE_PUBSUB_URL = ""
    settings.BANGBAN_REMOTE_POLL_SECONDS = 30
    settings.BANGBAN_REMOTE_WAIT_SECONDS = 5.0
    clerk, agent = org.user("station_agent"), org.user("town_agent")
    call = services.call_create_station(by=clerk, caller_name="甲", item=item)
    call = services.call_answer(by=agent, call=call)
    answered = {}

    def long_poll():
        with CaptureQueriesContext(connection) as q:
            answered["data"] = (
                web(clerk).get(f"/remote/calls/{call.pk}/events", {"after": call.last_seq}).json()
            )
        answered["reads"] = [x["sql"] for x in q.captured_queries if "remote_sessionevent" in x["sql"]]
        connection.close()

    poll = threading.Thread(target=long_poll)
    poll.start()
    for _ in range(300):
        if live.waiting_calls():
            break
        time.sleep(0.01)
    time.sleep(0.1)
    ice = {"candidate": {"candidate": "candidate:1 1 udp 1 127.0.0.1 9 typ host", "sdpMid": "0"}}
    event = services.event_post(call=call, side="agent", kind="ice", body=ice)
    poll.join(10)
    (got,) = answered["data"]["events"]
    (read,) = [services.event_json(e) for e in services.events_after(call, "caller", call.last_seq - 1)]
    assert got == read and got["seq"] == event.seq
    assert answered["data"]["status"]["status"] == "answered"
    assert len(answered["reads"]) == 1, answered["reads"]  # before it slept, not after


def test_a_wait_that_read_before_it_began_hears_what_was_published_in_between():
    """A poll reads the call and its events, then waits: a publication in between wakes it at once."""
    live._wake(454545, "caller", 12, {"seq": 12})  # heard here before the waiter was added
    checks = []

    def check():
        checks.append(1)
        return ["read"]

    started = time.monotonic()
    assert live.wait_for(454545, check, 5, seen=11, side="caller", first=[], told=lambda h: h) == ["read"]
    assert len(checks) == 1 and time.monotonic() - started < 1
    assert live.wait_for(454545, check, 0.05, seen=12, side="caller", first=[]) == []  # nothing newer
