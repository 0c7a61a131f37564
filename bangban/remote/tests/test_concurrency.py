"""Agents answering one call at once: exactly one gets it (real threads and transactions, both
databases); events posted at once by both sides get consecutive numbers."""

import pytest

from bangban.cases.tests.conftest import make_item
from bangban.core.testing import make_org, make_user, run_together
from bangban.remote import services
from bangban.remote.models import CallStatus, HelpCall, SessionEvent

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_answers_one_agent_gets_the_call():
    org = make_org()
    item = make_item(org, "个体工商户设立登记")
    window = services.window_save(by=org.user("town_admin"), institution=org.town, name="一号窗")
    agents = [
        org.user("town_agent"),
        make_user("town_agent2", org.town, ["agent"]),
        make_user("town_agent3", org.town, ["agent"]),
    ]
    for a in agents:
        services.duty_start(by=a, window=window)
    call = services.call_create_station(by=org.user("station_agent"), caller_name="张三", item=item)

    results = run_together(3, lambda i: services.call_answer(by=agents[i], call=call).agent_id)
    assert sorted(r[0] for r in results) == ["error", "error", "ok"], results
    assert {r[1] for r in results if r[0] == "error"} == {"taken"}
    winner = next(r[1] for r in results if r[0] == "ok")
    call.refresh_from_db()
    assert call.status == CallStatus.ANSWERED and call.agent_id == winner

    results = run_together(
        4,
        lambda i: services.event_post(
            call=call, side="agent" if i % 2 else "caller", kind="chat", body={"text": f"消息{i}"}
        ).seq,
    )
    assert all(r[0] == "ok" for r in results), results
    seqs = list(SessionEvent.objects.filter(call=call).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    assert HelpCall.objects.get(pk=call.pk).last_seq == seqs[-1]

    # Three agents taking "next" with two calls waiting: two calls, each to one agent; the third is told.
    services.call_hangup(call=call, side="agent", by=HelpCall.objects.get(pk=call.pk).agent)
    clerk = org.user("station_agent")
    waiting = [
        services.call_create_station(by=clerk, caller_name=f"求助人{i}", item=item).pk for i in range(2)
    ]
    results = run_together(3, lambda i: services.call_next(by=agents[i]).pk)
    assert sorted(r[1] for r in results if r[0] == "ok") == waiting, results
    assert [r[1] for r in results if r[0] != "ok"] == ["empty"], results
