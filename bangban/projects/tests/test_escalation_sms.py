"""A liaison request or blocker that climbs a rung sends one SMS to the person now responsible,
whether the beat records the climb (running twice) or a page read does first."""

import pytest

from bangban.accounts.models import User
from bangban.notifications.models import Message
from bangban.projects import selectors, services
from bangban.projects.tests.conftest import at, item, register

pytestmark = pytest.mark.django_db

PHONES = {
    "zrzy_liaison": "13900000001",
    "zrzy_chief": "13900000002",
    "fgw_chief": "13900000003",
    "coordinator": "13900000004",
    "county_admin": "13900000005",
}


@pytest.fixture
def phones(porg):
    for key, phone in PHONES.items():
        User.objects.filter(pk=porg.user(key).pk).update(phone=phone)
    return porg


def sms():
    return [
        (m.recipient(), m.dedupe_key)
        for m in Message.objects.filter(event=Message.Event.ESCALATED).order_by("id")
    ]


def test_each_rung_of_a_request_texts_its_holder_once(phones):
    porg = phones
    p = register(porg)
    with at(2026, 3, 2):
        req = services.request_send(
            by=porg.user("coordinator"),
            project=p,
            department=porg.depts["zrzy"],
            kind="question",
            text="选址",
        )
    with at(2026, 3, 4):  # due 3-3: past the liaison's rung
        from bangban.projects.tasks import escalate_overdue

        assert escalate_overdue.delay().get() == 1
        assert escalate_overdue.delay().get() == 0  # the beat again: nothing new
    assert sms() == [(PHONES["zrzy_chief"], f"projects:request:{req.pk}:level:1")]
    text = Message.objects.get().text
    assert "首席协办员" in text and p.name[:16] in text and "区自然资源和规划局" in text
    with at(2026, 3, 5):  # the chief's day passed too: the coordinator, once
        assert services.escalate_overdue() == 1
        assert services.escalate_overdue() == 0
    assert [phone for phone, _ in sms()] == [PHONES["zrzy_chief"], PHONES["coordinator"]]


def test_a_page_read_records_the_climb_and_the_beat_adds_nothing(phones):
    porg = phones
    p = register(porg)
    with at(2026, 3, 2):
        services.request_send(
            by=porg.user("coordinator"),
            project=p,
            department=porg.depts["zrzy"],
            kind="question",
            text="选址",
        )
    with at(2026, 3, 4):
        assert [level for _r, level in selectors.open_requests(p)] == [1]
        assert [level for _r, level in selectors.open_requests(p)] == [1]  # read again
        assert services.escalate_overdue() == 0
    assert [phone for phone, _ in sms()] == [PHONES["zrzy_chief"]]


def test_a_blocker_climbs_to_the_center_head_texting_each_rung(phones):
    porg = phones
    p = register(porg)
    agent = porg.user("county_agent")
    with at(2026, 3, 2):
        services.item_start(by=agent, item=item(p, "企业投资项目备案"))
        services.blocker_raise(
            by=porg.user("fgw_liaison"), item=item(p, "企业投资项目备案"), text="缺少土地证明"
        )
    with at(2026, 3, 5):  # limits 2, 2, 3: rung deadlines 3-4, 3-6, 3-11
        services.escalate_overdue()
    with at(2026, 3, 9):
        services.escalate_overdue()
    with at(2026, 3, 12):
        services.escalate_overdue()
        services.escalate_overdue()
    assert [phone for phone, _ in sms()] == [
        PHONES["fgw_chief"],
        PHONES["coordinator"],
        PHONES["county_admin"],
    ]


def test_a_jump_of_two_rungs_texts_only_the_holder_of_the_new_one(phones):
    porg = phones
    p = register(porg)
    with at(2026, 3, 2):
        services.request_send(
            by=porg.user("coordinator"),
            project=p,
            department=porg.depts["zrzy"],
            kind="question",
            text="选址",
        )
    with at(2026, 3, 9):  # nobody ran the beat for a week
        assert services.escalate_overdue() == 1
    assert sms() == [(PHONES["coordinator"], sms()[0][1])] and sms()[0][1].endswith(":level:2")


def test_no_phone_no_sms_but_the_climb_is_recorded(porg):
    p = register(porg)
    with at(2026, 3, 2):
        req = services.request_send(
            by=porg.user("coordinator"),
            project=p,
            department=porg.depts["zrzy"],
            kind="question",
            text="选址",
        )
    with at(2026, 3, 4):
        assert services.escalate_overdue() == 1
    req.refresh_from_db()
    assert req.level == 1 and not Message.objects.exists()
