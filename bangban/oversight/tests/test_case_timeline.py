"""A 督办 on a case writes lines on the case's timeline (staff page), never on the public tracking page."""

import pytest

from bangban.cases import selectors as case_selectors
from bangban.cases import tracking
from bangban.cases.models import CaseEvent
from bangban.oversight import services
from bangban.oversight.tasks import escalate_overdue
from bangban.oversight.tests.conftest import at

pytestmark = pytest.mark.django_db
SECRET = "请联系王阿婆13800001111核实"


def supervision_lines(case):
    return list(
        CaseEvent.objects.filter(case=case, type=CaseEvent.Type.SUPERVISION)
        .order_by("at", "id")
        .values_list("data__step", "text", "actor_name")
    )


def test_issue_escalate_answer_reopen_close_each_write_one_line(org, red_case, web, client):
    sup, agent = org.user("supervisor"), org.user("station_agent")
    with at(2025, 11, 12):
        order = services.order_issue(by=sup, case=red_case, requirement=SECRET)
    with at(2025, 11, 17):
        escalate_overdue()
        escalate_overdue()  # a second run writes nothing
        services.order_answer(order=order, by=agent, reply="已补齐材料")
        services.order_close(order=order, by=sup, satisfied=False, comment="未说明办结时间")
        services.order_answer(order=order, by=agent, reply="今日办结")
        services.order_close(order=order, by=sup, satisfied=True)
    lines = supervision_lines(red_case)
    assert [step for step, _, _ in lines] == ["issue", "escalate", "answer", "reopen", "answer", "close"]
    assert lines[0][1] == f"签发督办单 {order.pk}，答复期限 2025-11-14：{SECRET}"
    assert lines[1][2] == "系统" and "已升级至协调员" in lines[1][1]
    assert lines[2] == ("answer", f"答复督办单 {order.pk}：已补齐材料", agent.display_name)
    assert "不满意退回" in lines[3][1] and "未说明办结时间" in lines[3][1]
    assert lines[5][1] == f"督办单 {order.pk} 满意办结"
    assert all(e.data["order"] == order.pk for e in CaseEvent.objects.filter(type=CaseEvent.Type.SUPERVISION))

    with at(2025, 11, 17):
        page = web(agent).get(f"/cases/{red_case.pk}/").content.decode()
    timeline = page[page.index('class="timeline"') :]
    assert 'class="ev-supervision"' in timeline and f"签发督办单 {order.pk}" in timeline
    assert SECRET in timeline

    # the public tracking page picks its event types: no 督办 line, nothing typed by staff
    assert all(e.type != "supervision" for e in case_selectors.track_events(red_case))
    client.logout()
    with at(2025, 11, 17):
        public = client.get(f"/cases/track/{red_case.tracking_token}/").content.decode()
    assert "督办" not in public and SECRET not in public and "已补齐材料" not in public


def test_tracking_has_no_line_for_a_supervision_event():
    event = tracking.TrackEvent(at=None, type="supervision", from_status="", to_status="")
    assert tracking.line_text(event) is None


def test_a_refused_order_writes_no_line(org, item):
    from bangban.core.errors import ServiceError
    from bangban.oversight.tests.conftest import open_case

    case = open_case(org, item=item)
    with at(2025, 11, 4):  # green: refused
        with pytest.raises(ServiceError):
            services.order_issue(by=org.user("supervisor"), case=case, requirement="督办")
    assert supervision_lines(case) == []
