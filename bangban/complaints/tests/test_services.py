"""Complaint and consultation services: rules, limits, SMS, scope, bad input."""

import datetime as dt

import pytest

from bangban.accounts.roles import Role
from bangban.audit.models import AuditEvent
from bangban.complaints import services
from bangban.complaints.models import Complaint, ComplaintStep, Consultation, Status
from bangban.complaints.tests.conftest import at, make_case, register
from bangban.core import crypto
from bangban.core.errors import AccessRefused, NotInScope, ServiceError
from bangban.core.testing import make_user
from bangban.notifications.models import Message

pytestmark = pytest.mark.django_db


def run_all_steps(complaint, by):
    for action in ("accept", "investigate", "handle", "answer", "archive"):
        complaint = services.complaint_advance(
            by=by, complaint=complaint, action=action, text=f"{action} 情况"
        )
    return complaint


def test_register_numbers_and_sets_limits_in_working_days(org):
    with at(2025, 9, 30):
        c = register(org)
    assert c.status == Status.RECEIVED
    assert c.number == "TS3205052025000001"
    assert c.step_due == dt.date(2025, 10, 9)  # 受理: 1 working day, 1–8 October is the holiday
    assert c.answer_due == dt.date(2025, 10, 24)  # 13 working days (Sat 11 October is a working day)
    assert c.institution == org.town
    assert crypto.decrypt(c.phone_encrypted) == "13912345678" and c.phone_masked == "139****5678"
    assert ComplaintStep.objects.get(complaint=c).action == "register"
    assert AuditEvent.objects.filter(action="complaints.complaint.create", object_id=str(c.pk)).count() == 1
    with at(2025, 9, 30):
        second = register(org)
    assert int(second.number[-6:]) == int(c.number[-6:]) + 1


def test_five_steps_with_sms_at_acceptance_and_answer(org):
    handler = org.user("coordinator")
    with at(2025, 9, 30):
        c = register(org)
        c = services.complaint_accept(by=handler, complaint=c, text="符合受理条件")
    assert c.status == Status.INVESTIGATING and c.accepted_on == dt.date(2025, 9, 30)
    assert c.step_due == dt.date(2025, 10, 14)  # 调查: 5 working days
    msg = Message.objects.get(event=Message.Event.COMPLAINT_IN, object_id=str(c.pk))
    assert c.number in msg.text and "2025年10月24日" in msg.text and len(msg.text) <= 70
    with at(2025, 10, 9):
        c = services.complaint_investigate(by=handler, complaint=c, text="调阅录像，情况属实")
        assert c.step_due == dt.date(2025, 10, 15)  # 处置: 5 working days (Sat 11 October works)
        c = services.complaint_handle(by=handler, complaint=c, text="对窗口人员批评教育")
        c = services.complaint_answer(by=handler, complaint=c, text="已核实并整改，向您致歉")
        assert c.step_due is None and c.answered_on == dt.date(2025, 10, 9)
        c = services.complaint_archive(by=handler, complaint=c)
    assert c.status == Status.ARCHIVED
    done = Message.objects.get(event=Message.Event.COMPLAINT_DONE, object_id=str(c.pk))
    assert "已核实并整改" in done.text and len(done.text) <= 70
    steps = list(ComplaintStep.objects.filter(complaint=c).values_list("action", flat=True))
    assert steps == ["register", "accept", "investigate", "handle", "answer", "archive"]
    assert (
        AuditEvent.objects.filter(object_id=str(c.pk), action__startswith="complaints.complaint.").count()
        == 6
    )


def test_a_late_step_is_recorded_as_late(org):
    handler = org.user("coordinator")
    with at(2025, 9, 30):
        c = register(org)
    with at(2025, 10, 10):  # 受理 was due 2025-10-09
        c = services.complaint_accept(by=handler, complaint=c)
    step = ComplaintStep.objects.get(complaint=c, action="accept")
    assert step.late and step.due == dt.date(2025, 10, 9)


def test_anonymous_complainants_get_no_sms_and_no_personal_data(org):
    handler = org.user("coordinator")
    c = register(org, anonymous=True, complainant_name="应被忽略", phone="13912345678")
    assert c.complainant_name == "" and c.phone_encrypted == "" and c.complainant_display == "匿名"
    run_all_steps(c, handler)
    assert not Message.objects.filter(object_id=str(c.pk)).exists()


def test_landline_gets_no_sms(org):
    c = register(org, phone="0512-66668888")
    services.complaint_accept(by=org.user("coordinator"), complaint=c)
    assert not Message.objects.filter(object_id=str(c.pk)).exists()


def test_rejection_needs_a_reason_and_tells_the_complainant(org):
    handler = org.user("coordinator")
    c = register(org)
    with pytest.raises(ServiceError) as exc:
        services.complaint_reject(by=handler, complaint=c, text="  ")
    assert exc.value.field == "text" and "不予受理理由" in exc.value.message
    c = services.complaint_reject(by=handler, complaint=c, text="不属于本中心受理范围，请向区信访局反映")
    assert c.status == Status.REJECTED and c.step_due is None
    assert "不予受理" in Message.objects.get(event=Message.Event.COMPLAINT_DONE, object_id=str(c.pk)).text
    with pytest.raises(ServiceError) as exc:
        services.complaint_accept(by=handler, complaint=c)
    assert exc.value.code == "invalid_transition"


def test_complaint_about_a_case_defaults_to_its_institution(org, item):
    case = make_case(org, item, by="station_agent")
    c = register(org, by="town_agent", case=case.pk, agent=org.user("station_agent").pk)
    assert c.case == case and c.institution == org.station and c.agent == org.user("station_agent")


@pytest.mark.parametrize(
    "kw,field,text",
    [
        ({"channel": "fax"}, "channel", "渠道"),
        ({"content": ""}, "content", "投诉内容"),
        ({"content": "很" * 2001}, "content", "2000"),
        ({"complainant_name": ""}, "complainant_name", "投诉人姓名"),
        ({"complainant_name": "王" * 51}, "complainant_name", "50"),
        ({"phone": "12345"}, "phone", "联系电话"),
        ({"channel": "hotline", "hotline_ticket": ""}, "hotline_ticket", "12345工单号"),
        ({"case": 999999}, "case", "涉及办件"),
        ({"agent": 999999}, "agent", "涉及人员"),
        ({"institution": 999999}, "institution", "责任机构"),
    ],
)
def test_bad_input_is_refused_in_chinese_and_changes_nothing(org, kw, field, text):
    with pytest.raises(ServiceError) as exc:
        register(org, **kw)
    assert exc.value.field == field and text in exc.value.message
    assert (
        not Complaint.objects.exists()
        and not AuditEvent.objects.filter(action__startswith="complaints").exists()
    )


def test_out_of_scope_case_agent_and_institution_are_refused(org, item):
    other_case = make_case(org, item, by="town2_agent")
    with pytest.raises(ServiceError, match="涉及办件"):
        register(org, by="station_agent", case=other_case.pk)
    with pytest.raises(ServiceError, match="涉及人员"):
        register(org, by="station_agent", agent=org.user("town2_agent").pk)
    with pytest.raises(ServiceError, match="责任机构"):
        register(org, by="station_agent", institution=org.town.pk)
    assert not Complaint.objects.exists()


def test_who_may_register_and_who_may_handle(org):
    with pytest.raises(AccessRefused):
        register(org, by="catalog_admin")
    c = register(org, by="town_agent")
    with pytest.raises(AccessRefused):  # an agent registers at the window but does not handle
        services.complaint_accept(by=org.user("town_agent"), complaint=c)
    town2_handler = make_user("t2c", org.town2, [Role.COORDINATOR])
    with pytest.raises(NotInScope):
        services.complaint_accept(by=town2_handler, complaint=c)
    town_handler = make_user("tc", org.town, [Role.COORDINATOR])
    assert services.complaint_accept(by=town_handler, complaint=c).status == Status.INVESTIGATING


def test_a_stale_version_is_refused(org):
    handler = org.user("coordinator")
    c = register(org)
    services.complaint_accept(by=handler, complaint=c, expected_version=0)
    with pytest.raises(ServiceError) as exc:
        services.complaint_investigate(by=handler, complaint=c, text="调查", expected_version=0)
    assert exc.value.code == "stale"
    assert Complaint.objects.get(pk=c.pk).status == Status.INVESTIGATING


def test_step_text_is_bounded(org):
    c = register(org)
    with pytest.raises(ServiceError, match="2000"):
        services.complaint_accept(by=org.user("coordinator"), complaint=c, text="字" * 2001)
    assert Complaint.objects.get(pk=c.pk).status == Status.RECEIVED


def test_limits_come_from_settings(org, settings):
    settings.BANGBAN_COMPLAINT_STEP_LIMITS = {"accept": 2, "investigate": 3, "handle": 3, "answer": 1}
    with at(2025, 9, 15):  # a Monday
        c = register(org)
    assert c.step_due == dt.date(2025, 9, 17) and c.answer_due == dt.date(2025, 9, 26)


# --- consultations ---------------------------------------------------------------------------------


def test_window_consultation_registered_and_answered_in_one_call(org, item):
    agent = org.user("town_agent")
    with at(2025, 9, 30):
        c = services.consultation_register(
            by=agent,
            channel="window",
            question="个体户怎么办？",
            answer="带身份证和场所证明",
            item=item.pk,
            resolved=True,
        )
    assert c.is_answered and c.answered_by == agent and c.resolved
    assert c.answer_due == dt.date(2025, 9, 30) and c.item_id == item.pk and c.item_name == "个体工商户登记"
    assert not Message.objects.exists()  # heard at the window


def test_online_question_waits_then_is_answered_by_sms(org):
    agent = org.user("town_agent")
    with at(2025, 9, 30):
        c = services.consultation_register(
            by=agent, channel="online", question="网上能办吗？", phone="13900001111"
        )
    assert not c.is_answered and c.answer_due == dt.date(2025, 10, 9)
    with at(2025, 10, 9, 16):
        c = services.consultation_answer(by=agent, consultation=c, answer="可以在网上办理", resolved=True)
    msg = Message.objects.get(event=Message.Event.CONSULT_ANSWER, object_id=str(c.pk))
    assert "可以在网上办理" in msg.text
    with pytest.raises(ServiceError) as exc:
        services.consultation_answer(by=agent, consultation=c, answer="再答一次")
    assert exc.value.code == "already_answered"
    assert Consultation.objects.get(pk=c.pk).answer == "可以在网上办理"


def test_consultation_bad_input(org):
    agent = org.user("town_agent")
    for kw, field in [
        ({"question": ""}, "question"),
        ({"question": "问" * 1001}, "question"),
        ({"channel": "letter"}, "channel"),
        ({"answer": "答" * 2001}, "answer"),
        ({"phone": "abc"}, "phone"),
        ({"item": 999999}, "item"),
    ]:
        with pytest.raises(ServiceError) as exc:
            services.consultation_register(by=agent, **({"channel": "window", "question": "问"} | kw))
        assert exc.value.field == field
    assert not Consultation.objects.exists()


def test_item_must_be_in_the_institutions_listing(org, item):
    from bangban.catalog.models import ListingEntry

    ListingEntry.objects.filter(institution=org.town, item=item).delete()
    with pytest.raises(ServiceError, match="清单"):
        services.consultation_register(
            by=org.user("town_agent"), channel="window", question="问", item=item.pk
        )


def test_consultation_scope_and_capability(org):
    c = services.consultation_register(by=org.user("station_agent"), channel="online", question="问")
    with pytest.raises(NotInScope):
        services.consultation_answer(by=org.user("station2_agent"), consultation=c, answer="答")
    with pytest.raises(AccessRefused):
        services.consultation_register(by=org.user("catalog_admin"), channel="window", question="问")


def test_link_case_once(org, item):
    agent = org.user("town_agent")
    c = services.consultation_register(by=agent, channel="window", question="问", answer="答")
    case = make_case(org, item)
    services.consultation_link_case(by=agent, consultation=c, case=case)
    assert Consultation.objects.get(pk=c.pk).case == case
    with pytest.raises(ServiceError, match="已转为办件"):
        services.consultation_link_case(by=agent, consultation=c, case=case)


def test_reveal_phone_is_for_handlers_in_scope_and_audited(org):
    c = register(org)
    assert services.complaint_reveal_phone(by=org.user("coordinator"), complaint=c) == "13912345678"
    assert (
        AuditEvent.objects.filter(action="complaints.complaint.reveal_phone", object_id=str(c.pk)).count()
        == 1
    )
    for user in (org.user("town_agent"), org.user("other_admin")):
        with pytest.raises(NotInScope):
            services.complaint_reveal_phone(by=user, complaint=c)


def test_every_change_hands_its_indicator_facts_to_the_counters_seam(org, monkeypatch):
    calls = []
    monkeypatch.setattr(services, "indicators_changed", lambda before, after: calls.append((before, after)))
    handler = org.user("coordinator")
    with at(2025, 9, 30):
        c = register(org)
        assert calls[-1][0] == [] and [f.metric for f in calls[-1][1]] == ["complaint.due"]
        c = services.complaint_accept(by=handler, complaint=c)
        c = services.complaint_investigate(by=handler, complaint=c, text="调查")
        c = services.complaint_handle(by=handler, complaint=c, text="处置")
        c = services.complaint_answer(by=handler, complaint=c, text="答复")
    before, after = calls[-1]
    assert [f.metric for f in before] == ["complaint.due"]
    assert [f.metric for f in after] == ["complaint.due", "complaint.on_time"]
    assert {f.day for f in after} == {dt.date(2025, 10, 24)} and after[0].institution_id == org.town.pk
    q = services.consultation_register(by=handler, channel="online", question="问")
    assert [f.metric for f in calls[-1][1]] == ["consultation.total"]
    services.consultation_answer(by=handler, consultation=q, answer="答")
    assert [f.metric for f in calls[-1][1]] == ["consultation.total", "consultation.on_time"]
    assert calls[-1][1][0].agent_id == handler.pk


def test_online_question_from_the_portal_arrives_unanswered(org):
    with at(2025, 10, 10):  # a Friday: one working day later is Saturday 11 October (a working day in 2025)
        c = services.consultation_receive_online(
            institution=org.station, question="网上问", phone="13900001111"
        )
    assert c.channel == "online" and not c.is_answered and c.answer_due == dt.date(2025, 10, 11)
    assert c.created_by is None
    assert AuditEvent.objects.filter(action="complaints.consultation.receive", object_id=str(c.pk)).exists()
    with pytest.raises(ServiceError):
        services.consultation_receive_online(institution=org.station, question="")
