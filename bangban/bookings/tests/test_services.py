import datetime
import io

import pytest
from django.urls import reverse
from PIL import Image

from bangban.audit.models import AuditEvent
from bangban.bookings import services
from bangban.bookings.models import (
    Booking,
    EntrustmentSignature,
    PhoneCode,
    ServiceRequest,
    SignLink,
    Slot,
    SlotTemplate,
)
from bangban.bookings.tests.conftest import PHONE, TOMORROW, ask, last_code, make_slot
from bangban.cases import documents
from bangban.cases.models import Case, Channel, Status
from bangban.cases.services import case_analyse, case_entrust
from bangban.core import crypto
from bangban.core.errors import AccessRefused, NotInScope, ServiceError
from bangban.notifications.models import Message

pytestmark = pytest.mark.django_db


def png(width=300, height=120, fmt="PNG") -> bytes:
    image = Image.new("RGB", (width, height), "white")
    for x in range(20, width - 20):
        image.putpixel((x, height // 2), (0, 0, 0))
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


# --- the online request ------------------------------------------------------------------------------


def test_window_request_becomes_a_case_in_the_queue_with_its_booking(org, item):
    slot = make_slot(org.town, capacity=2)
    case = ask(org, item, slot=slot, summary="想办社保卡")
    case.refresh_from_db()
    assert case.institution == org.town and case.status == Status.CONSULTING
    assert case.channel == Channel.ONLINE and case.agent is None
    assert case.created_by.username == services.ONLINE_USERNAME and not case.created_by.is_active
    assert not case.created_by.has_usable_password()
    assert [ci.name for ci in case.items.all()] == ["社会保障卡申领"]
    assert crypto.decrypt(case.phone_encrypted) == PHONE and case.applicant_id_hash == ""
    booking = Booking.objects.get(case=case)
    assert booking.status == Booking.Status.ACTIVE and booking.slot == slot
    slot.refresh_from_db()
    assert slot.booked == 1
    assert ServiceRequest.objects.get(case=case).way == "window"
    sms = Message.objects.get(event=Message.Event.BOOKING)
    assert case.number in sms.text and "12月2日 9:00" in sms.text and case.tracking_token in sms.text
    assert AuditEvent.objects.filter(action="bookings.request.create", object_id=str(case.pk)).count() == 1
    assert AuditEvent.objects.filter(action="cases.case.create", object_id=str(case.pk)).count() == 1
    assert case.events.filter(text__contains="预约到窗口办理").exists()
    assert PhoneCode.objects.get().used_at is not None


def test_door_request_keeps_the_address_and_needs_no_slot(org, item):
    case = ask(org, item, way="door", address="树山村 3 组 12 号", visit_for="本人，82 岁，卧床")
    case.refresh_from_db()
    assert case.channel == Channel.DOOR
    request = ServiceRequest.objects.get(case=case)
    assert (request.address, request.visit_for) == ("树山村 3 组 12 号", "本人，82 岁，卧床")
    assert not Booking.objects.exists()


def test_remote_request_without_item_needs_a_description(org, item):
    case = ask(org, item, way="remote", items=[], summary="不会用手机办养老金认证")
    assert case.channel == Channel.ONLINE and "远程帮办" in case.summary and not case.items.exists()


def test_agency_request_is_an_agency_case(org, item):
    case = ask(org, item, way="remote", kind="agency")
    assert (case.kind, case.mode) == ("agency", "agency")


@pytest.mark.parametrize(
    "change,field,words",
    [
        ({"applicant_name": ""}, "applicant_name", "姓名"),
        ({"applicant_name": "李" * 51}, "applicant_name", "50"),
        ({"way": "fax"}, "way", "办理方式"),
        ({"kind": "both"}, "kind", "帮我办"),
        ({"way": "door", "address": ""}, "address", "上门地址"),
        ({"summary": "事" * 301}, "summary", "300"),
        ({"items": [], "summary": ""}, "summary", "需求描述"),
        ({"slot_id": None}, "slot", "预约时段"),
        ({"slot_id": 999999}, "slot", "不存在"),
        ({"priority_group": "vip"}, "priority_group", "重点群体"),
        ({"code": "000000x"}, "code", "6 位数字"),
    ],
)
def test_bad_input_is_refused_and_nothing_saved(org, item, change, field, words):
    slot = make_slot(org.town)
    services.request_code(phone=PHONE)
    data = {"slot": slot, "code": last_code()}
    if "slot_id" in change:
        data = {"code": data["code"]}
    with pytest.raises(ServiceError) as exc:
        ask(org, item, **(data | change))
    assert exc.value.field == field and words in exc.value.message
    assert not Case.objects.exists() and not Booking.objects.exists()
    assert PhoneCode.objects.get().used_at is None
    slot.refresh_from_db()
    assert slot.booked == 0


def test_item_not_offered_is_refused(org, item):
    from bangban.cases.tests.conftest import make_item

    county_only = make_item(org, "建设工程施工许可", help_tiers="1", code_seq=9)
    slot = make_slot(org.town)
    with pytest.raises(ServiceError) as exc:
        ask(org, item, slot=slot, items=[county_only.pk])
    assert exc.value.field == "items"
    assert not Case.objects.exists() and PhoneCode.objects.get().used_at is None


def test_wrong_code_saves_nothing(org, item):
    slot = make_slot(org.town)
    services.request_code(phone=PHONE)
    wrong = f"{(int(last_code()) + 1) % 10**6:06d}"
    with pytest.raises(ServiceError) as exc:
        ask(org, item, slot=slot, code=wrong)
    assert exc.value.code == "code_wrong"
    assert not Case.objects.exists() and Slot.objects.get().booked == 0
    assert PhoneCode.objects.get().attempts == 1


def test_full_slot_is_refused_and_the_code_stays_usable(org, item):
    full = make_slot(org.town, capacity=1, booked=1)
    free = make_slot(org.town, hour=10, capacity=1)
    services.request_code(phone=PHONE)
    code = last_code()
    with pytest.raises(ServiceError) as exc:
        ask(org, item, slot=full, code=code)
    assert exc.value.code == "slot_full" and "约满" in exc.value.message
    assert not Case.objects.exists()
    case = ask(org, item, slot=free, code=code)
    assert Booking.objects.get().case == case


def test_past_and_todays_slots_cannot_be_booked(org, item):
    today = make_slot(org.town, date=datetime.date(2026, 12, 1))
    with pytest.raises(ServiceError) as exc:
        ask(org, item, slot=today)
    assert exc.value.field == "slot" and not Case.objects.exists()


def test_slot_of_another_institution_is_refused(org, item):
    other = make_slot(org.town2)
    with pytest.raises(ServiceError) as exc:
        ask(org, item, slot=other)
    assert exc.value.field == "slot"


def test_the_registrar_account_is_created_once(org, item):
    first = services.online_registrar()
    assert services.online_registrar() == first
    assert first.institution is None and not first.role_codes


# --- tracking and booking changes by number + phone ---------------------------------------------------


def _case_code(case, phone=PHONE, purpose=PhoneCode.Purpose.TRACK):
    services.case_code(number=case.number, phone=phone, purpose=purpose)


def test_track_by_number_and_phone(org, item, frozen):
    case = ask(org, item, slot=make_slot(org.town))
    frozen.shift(datetime.timedelta(seconds=61))
    _case_code(case)
    url = services.track_open(number=case.number, phone=PHONE, code=last_code())
    assert url == reverse("cases:track", args=[case.tracking_token])


def test_unknown_number_or_other_phone_sends_nothing_and_is_refused_like_a_wrong_code(org, item, frozen):
    case = ask(org, item, slot=make_slot(org.town))
    sent = Message.objects.count()
    services.case_code(number="320505-2026-999999", phone=PHONE, purpose=PhoneCode.Purpose.TRACK)
    services.case_code(number=case.number, phone="13800000000", purpose=PhoneCode.Purpose.TRACK)
    assert Message.objects.count() == sent  # nothing really sent
    refusals = set()
    for number, phone in [("320505-2026-999999", PHONE), (case.number, "13800000000")]:
        with pytest.raises(ServiceError) as exc:
            services.track_open(number=number, phone=phone, code="123456")
        refusals.add((exc.value.code, exc.value.message))
    frozen.shift(datetime.timedelta(seconds=61))
    _case_code(case)
    wrong = f"{(int(last_code()) + 1) % 10**6:06d}"
    with pytest.raises(ServiceError) as exc:
        services.track_open(number=case.number, phone=PHONE, code=wrong)
    refusals.add((exc.value.code, exc.value.message))
    assert refusals == {("code_refused", services.CODE_REFUSAL)}


def test_a_tracking_code_does_not_open_another_case(org, item, frozen):
    first = ask(org, item, slot=make_slot(org.town))
    frozen.shift(datetime.timedelta(seconds=61))
    second = ask(org, item, slot=make_slot(org.town, hour=10))
    frozen.shift(datetime.timedelta(seconds=61))
    _case_code(first)
    with pytest.raises(ServiceError):
        services.track_open(number=second.number, phone=PHONE, code=last_code())


def test_citizen_reschedules_then_cancels(org, item, frozen):
    old = make_slot(org.town, capacity=1)
    new = make_slot(org.town, hour=14, capacity=1)
    case = ask(org, item, slot=old)
    frozen.shift(datetime.timedelta(seconds=61))
    _case_code(case, purpose=PhoneCode.Purpose.BOOKING)
    booking = services.booking_reschedule(number=case.number, phone=PHONE, code=last_code(), slot_id=new.pk)
    assert booking.slot == new
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.booked, new.booked) == (0, 1)
    assert Booking.objects.filter(case=case, status="active").get() == booking
    frozen.shift(datetime.timedelta(seconds=61))
    _case_code(case, purpose=PhoneCode.Purpose.BOOKING)
    services.booking_cancel(number=case.number, phone=PHONE, code=last_code())
    new.refresh_from_db()
    assert new.booked == 0 and not Booking.objects.filter(status="active").exists()
    actions = set(
        AuditEvent.objects.filter(action__startswith="bookings.booking").values_list("action", flat=True)
    )
    assert actions == {"bookings.booking.reschedule", "bookings.booking.cancel"}


def test_every_booking_is_of_a_case_opened_by_its_online_request(org, item, frozen):
    """What the case page's booking panel relies on: no request, no booking to look for."""
    case = ask(org, item, slot=make_slot(org.town))
    ask(org, item, phone="13912345679", way="door", address="幸福路 1 号")
    frozen.shift(datetime.timedelta(seconds=61))
    _case_code(case, purpose=PhoneCode.Purpose.BOOKING)
    services.booking_reschedule(
        number=case.number, phone=PHONE, code=last_code(), slot_id=make_slot(org.town, hour=14).pk
    )
    assert Booking.objects.count() == 2
    assert not Booking.objects.filter(case__service_request__isnull=True).exists()


def test_reschedule_to_a_full_slot_changes_nothing(org, item, frozen):
    old = make_slot(org.town)
    full = make_slot(org.town, hour=15, capacity=1, booked=1)
    case = ask(org, item, slot=old)
    frozen.shift(datetime.timedelta(seconds=61))
    _case_code(case, purpose=PhoneCode.Purpose.BOOKING)
    with pytest.raises(ServiceError) as exc:
        services.booking_reschedule(number=case.number, phone=PHONE, code=last_code(), slot_id=full.pk)
    assert exc.value.code == "slot_full"
    old.refresh_from_db()
    assert old.booked == 1 and Booking.objects.get().slot == old


# --- slot templates and generation --------------------------------------------------------------------


def test_template_save_and_generate_on_working_days(org):
    admin = org.user("town_admin")
    services.slot_template_save(
        by=admin, institution=org.town, weekday=2, start=datetime.time(9), end=datetime.time(10), capacity=3
    )
    created = services.slots_generate(institution=org.town, weeks=2)
    dates = sorted(Slot.objects.values_list("date", flat=True))
    assert created == 2 and dates == [datetime.date(2026, 12, 2), datetime.date(2026, 12, 9)]
    assert services.slots_generate(institution=org.town, weeks=2) == 0  # idempotent
    assert AuditEvent.objects.filter(action="bookings.template.save").count() == 1


def test_no_slots_on_a_holiday(org):
    from bangban.workdays.models import CalendarDay

    CalendarDay.objects.create(
        date=datetime.date(2026, 12, 2), kind="holiday", name="测试假日", source="admin"
    )
    services.slot_template_save(
        by=org.user("town_admin"),
        institution=org.town,
        weekday=2,
        start=datetime.time(9),
        end=datetime.time(10),
        capacity=3,
    )
    services.slots_generate(institution=org.town, weeks=1)
    assert not Slot.objects.filter(date=datetime.date(2026, 12, 2)).exists()


def test_template_rules_refused_with_the_field(org):
    with pytest.raises(ServiceError) as exc:
        services.slot_template_save(
            by=org.user("town_admin"),
            institution=org.town,
            weekday=1,
            start=datetime.time(10),
            end=datetime.time(9),
            capacity=3,
        )
    assert exc.value.field == "end" and not SlotTemplate.objects.exists()


@pytest.mark.parametrize(
    "user,institution,error", [("town_agent", "town", AccessRefused), ("town_admin", "town2", NotInScope)]
)
def test_template_needs_the_cap_and_scope(org, user, institution, error):
    with pytest.raises(error):
        services.slot_template_save(
            by=org.user(user),
            institution=getattr(org, institution),
            weekday=1,
            start=datetime.time(9),
            end=datetime.time(10),
            capacity=3,
        )


def test_deactivated_template_generates_nothing_more(org):
    template = services.slot_template_save(
        by=org.user("coordinator"),
        institution=org.town,
        weekday=2,
        start=datetime.time(9),
        end=datetime.time(10),
        capacity=3,
    )
    services.slot_template_deactivate(by=org.user("coordinator"), template=template)
    assert services.slots_generate(weeks=2) == 0


# --- signatures -----------------------------------------------------------------------------------


def _entrusted(org, item):
    case = ask(org, item, way="remote", kind="agency")
    agent = org.user("town_agent")
    case = case_analyse(case=case, by=agent, analysis="需代办社保卡申领")
    case_entrust(
        case=case,
        by=agent,
        scope="whole",
        period_start=datetime.date(2026, 12, 1),
        period_end=datetime.date(2026, 12, 31),
    )
    return case, case.entrustments.get()


def test_sign_on_the_phone_through_a_one_time_link(org, item):
    case, entrustment = _entrusted(org, item)
    url = services.sign_link_send(by=org.user("town_agent"), entrustment=entrustment)
    token = url.rstrip("/").rsplit("/", 1)[1]
    sms = Message.objects.filter(dedupe_key__startswith="signlink:").get()
    assert url in sms.text and case.number in sms.text
    assert SignLink.objects.get().token_hash != token
    signature = services.signature_by_link(token=token, image=png(), ip="203.0.113.9")
    assert signature.channel == "phone" and signature.ip == "203.0.113.9"
    assert services.sign_link_get(token) is None
    with pytest.raises(ServiceError) as exc:
        services.signature_by_link(token=token, image=png())
    assert exc.value.code == "link_dead"
    assert AuditEvent.objects.filter(action="bookings.signature.sign").count() == 1
    assert case.events.filter(text__contains="签署委托书").exists()


def test_form_c_draws_the_signature(org, item):
    case, entrustment = _entrusted(org, item)
    unsigned = documents.render(case, "C")
    services.signature_at_window(by=org.user("town_agent"), entrustment=entrustment, image=png())
    signed = documents.render(case, "C")
    assert b"/Subtype /Image" in signed and b"/Subtype /Image" not in unsigned


def test_one_signature_per_entrustment(org, item):
    _case, entrustment = _entrusted(org, item)
    agent = org.user("town_agent")
    services.signature_at_window(by=agent, entrustment=entrustment, image=png())
    with pytest.raises(ServiceError) as exc:
        services.signature_at_window(by=agent, entrustment=entrustment, image=png(200, 100))
    assert exc.value.code == "already_signed" and EntrustmentSignature.objects.count() == 1
    with pytest.raises(ServiceError):
        services.sign_link_send(by=agent, entrustment=entrustment)


def test_window_signature_needs_scope(org, item):
    _case, entrustment = _entrusted(org, item)
    with pytest.raises(NotInScope):
        services.signature_at_window(by=org.user("town2_agent"), entrustment=entrustment, image=png())
    with pytest.raises(NotInScope):
        services.sign_link_send(by=org.user("town2_agent"), entrustment=entrustment)
    assert not EntrustmentSignature.objects.exists() and not SignLink.objects.exists()


@pytest.mark.parametrize(
    "data,words",
    [
        (b"", "请先"),
        (b"not an image at all", "有效的 PNG"),
        (png(fmt="JPEG"), "PNG 格式"),
        (png(10, 10), "像素"),
        (png(2500, 100), "像素"),
        (png()[:200], "有效的 PNG"),
        (b"\x89PNG" + b"0" * 250_000, "KB"),
    ],
)
def test_bad_images_are_refused_nothing_saved(org, item, data, words):
    _case, entrustment = _entrusted(org, item)
    with pytest.raises(ServiceError) as exc:
        services.signature_at_window(by=org.user("town_agent"), entrustment=entrustment, image=data)
    assert exc.value.field == "image" and words in exc.value.message
    assert not EntrustmentSignature.objects.exists()


def test_expired_link_is_dead(org, item, frozen):
    _case, entrustment = _entrusted(org, item)
    url = services.sign_link_send(by=org.user("town_agent"), entrustment=entrustment)
    frozen.shift(services.SIGN_LINK_TTL + datetime.timedelta(seconds=1))
    with pytest.raises(ServiceError):
        services.signature_by_link(token=url.rstrip("/").rsplit("/", 1)[1], image=png())


def test_booking_sms_fits_two_segments(org, item):
    ask(org, item, slot=make_slot(org.town))
    sms = Message.objects.get(event=Message.Event.BOOKING)
    assert len(sms.text) <= 140
    assert str(TOMORROW.day) in sms.text


def test_beat_task_keeps_slots_ahead_for_every_institution(org, settings):
    from bangban.bookings.tasks import generate_slots

    settings.BANGBAN_SLOT_WEEKS = 1
    for institution in (org.town, org.station):
        SlotTemplate.objects.create(
            institution=institution, weekday=3, start=datetime.time(9), end=datetime.time(10), capacity=2
        )
    assert generate_slots() == 2
    assert set(Slot.objects.values_list("institution_id", "date")) == {
        (org.town.pk, datetime.date(2026, 12, 3)),
        (org.station.pk, datetime.date(2026, 12, 3)),
    }
    assert generate_slots() == 0


def test_a_request_without_item_cannot_be_accepted_with_a_same_day_deadline(org, item):
    from bangban.cases.services import case_accept, case_apply

    case = ask(org, item, way="remote", items=[], summary="不会用手机办养老金认证")
    agent = org.user("town_agent")
    case = case_apply(case=case, by=agent)
    with pytest.raises(ServiceError) as exc:
        case_accept(case=Case.objects.get(pk=case.pk), by=agent)
    assert exc.value.code == "no_items" and "事项" in exc.value.message
    case.refresh_from_db()
    assert case.status == Status.APPLIED and case.due_date is None
