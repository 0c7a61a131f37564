"""Case handling through the services: processes, deadlines, transfers, joint tasks, materials, scope."""

import datetime
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from pypdf import PdfReader

from bangban.audit.models import AuditEvent
from bangban.cases import documents, services
from bangban.cases.models import Case, CaseEvent, DeadlineChange, Status
from bangban.cases.selectors import case_get, case_list
from bangban.core.errors import AccessRefused, NotInScope, ServiceError
from bangban.notifications.models import Message

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def at(y, m, d, hour=10):
    return time_machine.travel(datetime.datetime(y, m, d, hour, tzinfo=SH), tick=False)


def person(**extra):
    return {
        "applicant_type": "person",
        "applicant_name": "张三",
        "id_number": "11010519491231002X",
        "phone": "13812345678",
    } | extra


def new_help(org, items, user="town_agent", **extra):
    return services.case_create(
        by=org.user(user), kind="help", mode="assist", items=[items["license"]], **person(**extra)
    )


def new_agency(org, items, user="town_agent"):
    return services.case_create(
        by=org.user(user), kind="agency", mode="agency", items=[items["license"]], **person()
    )


def run_agency_to_progress(org, items, user="town_agent"):
    by = org.user(user)
    case = new_agency(org, items, user)
    case = services.case_analyse(case=case, by=by, analysis="申请人年迈，委托全程代办")
    case = services.case_entrust(
        case=case,
        by=by,
        scope="whole",
        period_start=datetime.date(2025, 9, 30),
        period_end=datetime.date(2025, 12, 31),
        materials_text="身份证复印件 1 份",
    )
    return services.case_start(case=case, by=by)


def test_help_case_accepted_across_national_day_2025(org, items):
    with at(2025, 9, 30):
        case = services.case_create(
            by=org.user("town_agent"),
            kind="help",
            mode="assist",
            items=[items["license"]],
            accept_now=True,
            **person(),
        )
    assert case.status == Status.ACCEPTED
    assert case.accepted_on == datetime.date(2025, 9, 30)
    # Oct 1–8 holiday, Sat Oct 11 an adjusted working day: 5 working days → Oct 14.
    assert case.due_date == datetime.date(2025, 10, 14)
    assert case.number.startswith("320505-2025-")
    change = DeadlineChange.objects.get(case=case)
    assert change.before is None and change.after == datetime.date(2025, 10, 14)
    assert [e.to_status for e in case.events.filter(type="transition")] == [
        "consulting",
        "applied",
        "accepted",
    ]
    assert AuditEvent.objects.filter(object_type="cases.case", object_id=str(case.pk)).count() == 3
    message = Message.objects.get(object_id=str(case.pk), event="accepted")
    assert case.number in message.text and "2025年10月14日" in message.text
    # Written once in its final state, with every row pointing at it.
    stored = Case.objects.get(pk=case.pk)
    assert (stored.number, stored.status, stored.version, stored.due_date) == (
        case.number,
        "accepted",
        case.version,
        case.due_date,
    )
    assert list(stored.items.values_list("name", flat=True)) == ["个体工商户登记"]
    audits = AuditEvent.objects.filter(object_type="cases.case", object_id=str(case.pk)).order_by("id")
    assert [a.action for a in audits] == ["cases.case.create", "cases.case.apply", "cases.case.accept"]
    assert all(a.object_repr.startswith(case.number) for a in audits)


def test_window_acceptance_for_a_landline_sends_no_sms(org, items):
    with at(2025, 9, 30):
        case = services.case_create(
            by=org.user("town_agent"),
            kind="help",
            mode="assist",
            items=[items["license"]],
            accept_now=True,
            **person(phone="0512-66668888"),
        )
    assert Case.objects.get(pk=case.pk).status == Status.ACCEPTED
    assert not Message.objects.filter(object_id=str(case.pk)).exists()
    assert case.events.count() == 4


def test_immediate_item_due_same_day(org, items):
    with at(2025, 9, 30):
        case = services.case_create(
            by=org.user("town_agent"),
            kind="help",
            mode="guide",
            items=[items["immediate"]],
            accept_now=True,
            **person(),
        )
    assert case.is_immediate and case.due_date == datetime.date(2025, 9, 30)


def test_suspension_stops_the_clock_and_resumption_continues(org, items):
    with at(2025, 9, 30):
        case = run_agency_to_progress(org, items)
    assert case.due_date == datetime.date(2025, 10, 14)
    by = org.user("town_agent")
    with at(2025, 10, 9):  # Thu; left after today: Oct 10, Sat 11, 13, 14 → 4
        case = services.case_suspend(case=case, by=by, reason="materials", detail="缺少经营场所证明")
    assert case.status == Status.SUSPENDED and case.clock_stopped and case.due_date is None
    assert case.suspensions.get().workdays_left == 4
    with at(2025, 10, 20):  # Mon; 4 working days after → Fri Oct 24
        case = services.case_resume(case=case, by=by, period_end=datetime.date(2025, 12, 31))
    assert case.status == Status.IN_PROGRESS and not case.clock_stopped
    assert case.due_date == datetime.date(2025, 10, 24)
    changes = list(DeadlineChange.objects.filter(case=case).values_list("before", "after"))
    assert changes == [
        (None, datetime.date(2025, 10, 14)),
        (datetime.date(2025, 10, 14), None),
        (None, datetime.date(2025, 10, 24)),
    ]
    events = set(Message.objects.filter(object_id=str(case.pk)).values_list("event", flat=True))
    assert events == {"accepted", "suspended", "resumed"}


def test_extension_adds_working_days_and_needs_a_coordinator(org, items):
    with at(2025, 9, 30):
        case = run_agency_to_progress(org, items)
        with pytest.raises(AccessRefused):
            services.case_extend(case=case, by=org.user("town_agent"), days=3, reason="需补充检测")
        case = services.case_extend(case=case, by=org.user("town_admin"), days=3, reason="需补充检测")
    assert case.due_date == datetime.date(2025, 10, 17)
    assert case.extension_days == 3
    with pytest.raises(ServiceError) as exc:
        services.case_extend(case=case, by=org.user("town_admin"), days=0, reason="x")
    assert exc.value.field == "days"


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        ({"id_number": "110105194912310021"}, "id_number", "校验位"),
        ({"id_number": "1101051949"}, "id_number", "18 位"),
        ({"phone": "12345"}, "phone", "手机号码"),
        ({"applicant_name": ""}, "applicant_name", "不能为空"),
    ],
)
def test_invalid_person_refused_and_nothing_saved(org, items, extra, field, message):
    before = (Case.objects.count(), AuditEvent.objects.count(), Message.objects.count())
    with pytest.raises(ServiceError) as exc:
        new_help(org, items, **extra)
    assert exc.value.field == field and message in exc.value.message
    assert (Case.objects.count(), AuditEvent.objects.count(), Message.objects.count()) == before


def test_invalid_credit_code_refused(org, items):
    with pytest.raises(ServiceError) as exc:
        services.case_create(
            by=org.user("town_agent"),
            kind="help",
            mode="assist",
            items=[items["license"]],
            applicant_type="enterprise",
            applicant_name="苏州某某餐饮有限公司",
            credit_code="91350100M000100Y44",
            contact_name="李四",
            phone="13812345678",
        )
    assert exc.value.field == "credit_code" and "校验位" in exc.value.message
    assert not Case.objects.exists()
    case = services.case_create(
        by=org.user("town_agent"),
        kind="help",
        mode="assist",
        items=[items["license"]],
        applicant_type="enterprise",
        applicant_name="苏州某某餐饮有限公司",
        credit_code="91350100m000100y43",
        contact_name="李四",
        phone="0512-66668888",
    )
    assert case.credit_code == "91350100M000100Y43"


def test_identity_number_encrypted_masked_and_reveal_audited(org, items):
    case = new_help(org, items)
    assert case.applicant_id_masked == "1101**********002X"
    assert "11010519491231002X" not in case.applicant_id_encrypted
    assert services.case_reveal_id(case=case, by=org.user("town_agent")) == "11010519491231002X"
    assert AuditEvent.objects.filter(action="cases.case.reveal_id", object_id=str(case.pk)).exists()
    with pytest.raises(NotInScope):
        services.case_reveal_id(case=case, by=org.user("station_agent"))
    found = case_list(user=org.user("town_agent"), q="11010519491231002X")
    assert list(found) == [case]


def test_item_tier_rules(org, items):
    with pytest.raises(ServiceError) as exc:
        services.case_create(
            by=org.user("station_agent"), kind="help", mode="assist", items=[items["county_only"]], **person()
        )
    assert exc.value.code == "item_not_offered" and "便民服务站" in exc.value.message
    with pytest.raises(ServiceError) as exc:
        services.case_create(
            by=org.user("town_agent"), kind="agency", mode="assist", items=[items["license"]], **person()
        )
    assert exc.value.field == "mode"


def test_item_must_be_on_the_institutions_list(org, items):
    from bangban.catalog.models import ListingEntry

    ListingEntry.objects.filter(institution=org.town, item=items["license"]).update(offers_agency=False)
    with pytest.raises(ServiceError) as exc:
        new_agency(org, items)
    assert exc.value.code == "item_not_offered" and "清单" in exc.value.message
    assert new_help(org, items).pk


def test_station_agent_cannot_see_or_act_on_another_stations_case(org, items):
    case = new_help(org, items, user="station2_agent")
    other = org.user("station_agent")
    with pytest.raises(NotInScope):
        case_get(user=other, pk=case.pk)
    with pytest.raises(NotInScope):
        services.case_apply(case=case, by=other)
    assert case not in case_list(user=other)
    # The town above both stations sees it, the county too; the other town does not.
    assert case in case_list(user=org.user("town_agent"))
    assert case in case_list(user=org.user("coordinator"))
    assert case not in case_list(user=org.user("town2_agent"))


def test_invalid_transition_message(org, items):
    case = new_help(org, items)
    with pytest.raises(ServiceError) as exc:
        services.case_complete(case=case, by=org.user("town_agent"), result="好")
    assert exc.value.code == "invalid_transition" and "咨询" in exc.value.message


def test_stale_version_refused(org, items):
    case = new_help(org, items)
    services.case_apply(case=case, by=org.user("town_agent"))
    with pytest.raises(ServiceError) as exc:
        services.case_accept(case=case, by=org.user("town_agent"), expected_version=0)
    assert exc.value.code == "stale"


def test_transfer_up_the_tree_sender_keeps_seeing(org, items):
    case = new_help(org, items, user="station_agent")
    transfer = services.transfer_send(
        case=case,
        by=org.user("station_agent"),
        to_institution=org.town,
        reason="涉及多部门，需镇便民服务中心协调",
    )
    with pytest.raises(ServiceError) as exc:
        services.case_apply(case=case, by=org.user("station_agent"))
    assert exc.value.code == "transfer_pending"
    case = services.transfer_accept(transfer=transfer, by=org.user("town_agent"))
    assert case.institution == org.town and case.agent == org.user("town_agent")
    # The station still follows its case, read-only.
    assert case_get(user=org.user("station_agent"), pk=case.pk) == case
    with pytest.raises(NotInScope):
        services.case_apply(case=case, by=org.user("station_agent"))
    assert Message.objects.filter(object_id=str(case.pk), event="transferred").count() == 1


def test_transfer_down_and_returned_with_reason(org, items):
    case = new_help(org, items, user="town_agent")
    transfer = services.transfer_send(
        case=case, by=org.user("town_agent"), to_institution=org.station, reason="就近办理"
    )
    assert case in case_list(user=org.user("station_agent"))  # the receiver sees what waits for it
    with pytest.raises(ServiceError) as exc:
        services.transfer_return(transfer=transfer, by=org.user("station_agent"), reason="")
    assert exc.value.field == "reason"
    services.transfer_return(transfer=transfer, by=org.user("station_agent"), reason="本站无人会办此事项")
    case.refresh_from_db()
    assert case.institution == org.town
    with pytest.raises(ServiceError):
        services.transfer_send(
            case=case, by=org.user("town_agent"), to_institution=org.other_county, reason="x"
        )


def test_joint_tasks_block_completion_until_all_done(org, items):
    from bangban.org.services import department_create

    second = department_create(by=None, institution=org.county, name="区住房和城乡建设局")
    with at(2025, 9, 30):
        case = run_agency_to_progress(org, items)
        by = org.user("town_agent")
        t1 = services.task_create(
            case=case,
            by=by,
            department=org.department,
            description="核发营业执照",
            due_date=datetime.date(2025, 10, 10),
        )
        t2 = services.task_create(
            case=case,
            by=by,
            department=second,
            description="出具场所证明",
            due_date=datetime.date(2025, 10, 10),
        )
    assert t1.assignee == org.user("liaison")  # the dedicated liaison of that department
    assert case in case_list(user=org.user("liaison"))
    with pytest.raises(ServiceError) as exc:
        services.case_complete(case=case, by=by, result="已办结")
    assert exc.value.code == "tasks_open" and "区住房和城乡建设局" in exc.value.message
    services.task_complete(task=t1, by=org.user("liaison"), result="执照已核发")
    with pytest.raises(AccessRefused):
        services.task_complete(task=t2, by=org.user("liaison"), result="x")  # not their department
    services.task_complete(task=t2, by=by, result="证明已出具")
    case = services.case_complete(case=case, by=by, result="营业执照已领取")
    assert case.status == Status.COMPLETED


def test_originals_must_be_returned_before_completion(org, items):
    with at(2025, 9, 30):
        case = run_agency_to_progress(org, items)
    by = org.user("town_agent")
    material = services.material_receive(case=case, by=by, name="房屋租赁合同", form="original")
    services.material_receive(case=case, by=by, name="身份证", form="copy", copies=2)
    with pytest.raises(ServiceError) as exc:
        services.case_complete(case=case, by=by, result="办结")
    assert exc.value.code == "materials_out" and "房屋租赁合同" in exc.value.message
    services.material_return(material=material, by=by)
    with pytest.raises(ServiceError):
        services.material_return(material=material, by=by)
    services.case_complete(case=case, by=by, result="办结")


def test_service_log_and_timeline(org, items):
    case = new_help(org, items)
    services.log_add(case=case, by=org.user("town_agent"), text="电话联系申请人，约定周三上门")
    types = list(CaseEvent.objects.filter(case=case).values_list("type", flat=True))
    assert types == ["transition", "log"]
    with pytest.raises(ServiceError):
        services.log_add(case=case, by=org.user("town_agent"), text="  ")


def test_termination_with_reason(org, items):
    case = new_help(org, items)
    with pytest.raises(ServiceError) as exc:
        services.case_terminate(case=case, by=org.user("town_agent"), reason="")
    assert exc.value.field == "reason"
    case = services.case_terminate(case=case, by=org.user("town_agent"), reason="申请人撤回")
    assert case.status == Status.TERMINATED and case.termination_reason == "申请人撤回"
    assert not Message.objects.filter(object_id=str(case.pk), event="terminated").exists()  # never accepted


def test_forms_a_to_e_are_searchable_pdfs(org, items):
    with at(2025, 9, 30):
        case = run_agency_to_progress(org, items)
        by = org.user("town_agent")
        case = services.case_suspend(case=case, by=by, reason="third_party", detail="等待检测报告")
        case = services.case_resume(case=case, by=by, period_end=datetime.date(2025, 12, 31))
        case = services.case_complete(case=case, by=by, result="已领取营业执照")
    expected = {
        "A": "帮办代办受理单",
        "B": "办结",
        "C": "代办服务委托书",
        "D": "代办服务中止单",
        "E": "代办服务续办委托书",
    }
    assert [code for code, _ in documents.available(case)] == list(expected)
    for code, title in expected.items():
        reader = PdfReader(io.BytesIO(documents.render(case, code)))
        text = "".join(page.extract_text() for page in reader.pages)
        assert title in text and case.number in text and "个体工商户登记" in text, code
        assert "1101**********002X" in text and "11010519491231002X" not in text
    fresh = new_help(org, items)
    with pytest.raises(ServiceError):
        documents.render(fresh, "A")


def test_case_page_warns_when_the_deadline_runs_into_an_unpublished_year(org, items, web):
    with at(2031, 12, 26):  # 2031–2032 are not in the official calendar data: an estimate
        case = services.case_create(
            by=org.user("town_agent"),
            kind="help",
            mode="assist",
            items=[items["license"]],
            accept_now=True,
            **person(),
        )
        page = web(org.user("town_agent")).get(f"/cases/{case.pk}/").content.decode()
    assert "2031 年的法定节假日安排尚未录入" in page and "2032 年的法定节假日安排尚未录入" in page


def test_items_are_pinned_to_the_version_in_force_on_acceptance(org, items):
    from bangban.catalog.models import ItemVersion

    item = items["license"]
    with at(2025, 9, 1):
        case = new_help(org, items)  # registered under version 1 (5 working days)
        services.case_apply(case=case, by=org.user("town_agent"))
    v1 = item.versions.get()
    ItemVersion.objects.filter(pk=v1.pk).update(valid_to=datetime.date(2025, 9, 14))
    v2 = ItemVersion.objects.create(
        item=item,
        number=2,
        state=ItemVersion.State.PUBLISHED,
        valid_from=datetime.date(2025, 9, 15),
        name="个体工商户登记（2025 版）",
        item_type="01",
        basic_code=v1.basic_code,
        implementation_code=v1.implementation_code,
        competent_department=v1.competent_department,
        department=v1.department,
        level=v1.level,
        handling_tiers="123",
        help_tiers="123",
        agency_tiers="123",
        statutory_days=20,
        promised_days=3,
    )
    with at(2025, 9, 16):
        case = services.case_accept(case=case, by=org.user("town_agent"))
    pinned = case.items.get()
    assert pinned.item_version == v2 and pinned.name == "个体工商户登记（2025 版）"
    assert case.promised_days == 3 and case.due_date == datetime.date(2025, 9, 19)
