"""Every write of the public front door: slot templates and slots, online requests with a booked
slot, booking changes by the citizen, tracking by number + phone, signatures on the entrustment.

Each service is one transaction with one audit row; citizen-facing services authorise by an SMS
code (verification.code_consuming), which is used in the same transaction as the work.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import secrets
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from PIL import Image, UnidentifiedImageError

from bangban.accounts.models import User
from bangban.accounts.permissions import has_cap
from bangban.accounts.roles import Cap
from bangban.audit.services import audit_record
from bangban.bookings import rules, verification
from bangban.bookings.models import (
    Booking,
    EntrustmentSignature,
    PhoneCode,
    ServiceRequest,
    SignLink,
    Slot,
    SlotTemplate,
    Way,
    label_of,
)
from bangban.cases import services as case_services
from bangban.cases.models import Case, CaseEvent, Channel, Entrustment, Kind, PriorityGroup
from bangban.cases.selectors import case_by_token
from bangban.core import crypto
from bangban.core.errors import AccessRefused, NotInScope, ServiceError
from bangban.core.ids import mobile_problem
from bangban.notifications.models import Message
from bangban.notifications.services import notify
from bangban.notifications.texts import signature
from bangban.org.models import Institution
from bangban.org.selectors import institution_in_scope
from bangban.workdays.selectors import get_calendar

NAME_MAX = 50
SUMMARY_MAX = 300
ADDRESS_MAX = 200
VISIT_FOR_MAX = 100
ONLINE_USERNAME = "system-online"
SIGN_LINK_TTL = timedelta(hours=24)
PNG_MAX_BYTES = 200_000
PNG_MAX_SIDE = 2000


# --- the registrar of online requests ------------------------------------------------------------


def online_registrar() -> User:
    """The account recorded as 登记人 of requests from the public (cases.created_by is required).

    One inactive account without a password, institution or role: it cannot sign in, appears in no
    institution's staff, and every case it registered reads "网上申请" on its timeline."""
    user = User.objects.filter(username=ONLINE_USERNAME).first()
    if user is not None:
        return user
    try:
        with transaction.atomic():
            user = User(username=ONLINE_USERNAME, full_name="网上申请", is_active=False)
            user.set_unusable_password()
            user.save()
            return user
    except IntegrityError:  # created concurrently
        return User.objects.get(username=ONLINE_USERNAME)


# --- slot templates and slots (staff) ------------------------------------------------------------


def _require_slot_manager(by, institution: Institution) -> None:
    if not (has_cap(by, Cap.ORG_MANAGE) or has_cap(by, Cap.CASE_COORDINATE)):
        raise AccessRefused("capability_required", "您的角色不能管理预约时段")
    if not institution_in_scope(by, institution):
        raise NotInScope(target=institution)


@transaction.atomic
def slot_template_save(
    *, by, institution: Institution, weekday: int, start: dt.time, end: dt.time, capacity: int
) -> SlotTemplate:
    """Add a weekly opening (or change the capacity/end of the one starting then). Existing slots keep
    their bookings; slots generated later follow the template."""
    _require_slot_manager(by, institution)
    problem = rules.template_problem(weekday=weekday, start=start, end=end, capacity=capacity)
    if problem:
        raise ServiceError("invalid", problem[1], field=problem[0])
    template, created = SlotTemplate.objects.select_for_update().get_or_create(
        institution=institution,
        weekday=weekday,
        start=start,
        defaults={"end": end, "capacity": capacity},
    )
    before = (
        None
        if created
        else {"end": str(template.end), "capacity": template.capacity, "active": template.is_active}
    )
    template.end, template.capacity, template.is_active = end, capacity, True
    template.save()
    audit_record(
        actor=by,
        action="bookings.template.save",
        target=template,
        institution=institution,
        changes={
            "template": {"before": before, "after": {"end": str(end), "capacity": capacity, "active": True}}
        },
    )
    return template


@transaction.atomic
def slot_template_deactivate(*, by, template: SlotTemplate) -> SlotTemplate:
    _require_slot_manager(by, template.institution)
    template = SlotTemplate.objects.select_for_update().get(pk=template.pk)
    if template.is_active:
        template.is_active = False
        template.save(update_fields=["is_active"])
        audit_record(
            actor=by,
            action="bookings.template.deactivate",
            target=template,
            institution=template.institution,
            changes={"is_active": {"before": True, "after": False}},
        )
    return template


def slots_generate(
    *, institution: Institution | None = None, today: dt.date | None = None, weeks: int | None = None
) -> int:
    """Create the slots of active templates on the working days of the coming weeks (idempotent:
    existing slots are left as they are). Returns how many were created."""
    today = today or timezone.localdate()
    weeks = settings.BANGBAN_SLOT_WEEKS if weeks is None else weeks
    templates = SlotTemplate.objects.filter(is_active=True, institution__is_active=True)
    if institution is not None:
        templates = templates.filter(institution=institution)
    calendar = get_calendar()
    days = rules.bookable_days(today, weeks, calendar.is_workday)
    rows = [
        Slot(institution_id=t.institution_id, date=day, start=t.start, end=t.end, capacity=t.capacity)
        for day in days
        for t in templates
        if day.weekday() == t.weekday
    ]
    before = Slot.objects.count()
    Slot.objects.bulk_create(rows, ignore_conflicts=True)
    return Slot.objects.count() - before


def codes_purge() -> int:
    """Delete SMS codes and signing links that expired more than a day ago. Returns how many."""
    cutoff = timezone.now() - timedelta(days=1)
    codes, _ = PhoneCode.objects.filter(expires_at__lt=cutoff).delete()
    links, _ = SignLink.objects.filter(expires_at__lt=cutoff).delete()
    return codes + links


# --- taking a slot ---------------------------------------------------------------------------------


def _take(slot_id: int, institution: Institution) -> Slot:
    """One place in the slot, or a refusal: booked = booked + 1 WHERE booked < capacity (atomic)."""
    today = timezone.localdate()
    taken = Slot.objects.filter(
        pk=slot_id, institution=institution, date__gt=today, booked__lt=F("capacity")
    ).update(booked=F("booked") + 1)
    if taken != 1:
        if Slot.objects.filter(pk=slot_id, institution=institution, date__gt=today).exists():
            raise ServiceError("slot_full", "该时段已约满，请选择其他时段", field="slot")
        raise ServiceError("invalid", "所选预约时段不存在或已过期，请重新选择", field="slot")
    return Slot.objects.get(pk=slot_id)


def _release(slot_id: int) -> None:
    Slot.objects.filter(pk=slot_id, booked__gt=0).update(booked=F("booked") - 1)


def _booking_sms(case: Case, slot: Slot, key: str) -> None:
    phone = crypto.decrypt(case.phone_encrypted)
    text = (
        f"{signature()}已为您预约{label_of(slot)}到{case.institution.name[:16]}办理，办件{case.number}。"
        f"查询：{case_services.tracking_url(case)}"
    )
    notify(
        phone=phone,
        text=text,
        event=Message.Event.BOOKING,
        dedupe_key=f"booking:{case.pk}:{key}",
        object_type="cases.case",
        object_id=str(case.pk),
        institution=case.institution,
    )


# --- the online request ---------------------------------------------------------------------------


def _text(value, *, field: str, label: str, limit: int, required: bool) -> str:
    value = " ".join(str(value or "").split())
    if required and not value:
        raise ServiceError("required", f"请填写{label}", field=field)
    if len(value) > limit:
        raise ServiceError("invalid", f"{label}不能超过 {limit} 个字", field=field)
    return value


def _clean_request(
    *,
    institution,
    kind,
    way,
    applicant_name,
    phone,
    summary,
    item_ids,
    slot_id,
    address,
    visit_for,
    priority_group,
) -> dict:
    if not isinstance(institution, Institution) or not institution.is_active:
        raise ServiceError("invalid", "请选择办理的服务机构", field="institution")
    if kind not in Kind.values:
        raise ServiceError("invalid", "请选择“帮我办”或“替我办”", field="kind")
    if way not in Way.values:
        raise ServiceError("invalid", "请选择办理方式：到窗口、上门服务或远程帮办", field="way")
    if priority_group not in PriorityGroup.values:
        raise ServiceError("invalid", "重点群体不在可选范围内", field="priority_group")
    data = {
        "applicant_name": _text(
            applicant_name, field="applicant_name", label="姓名", limit=NAME_MAX, required=True
        ),
        "phone": verification.clean_mobile(phone),
        "summary": _text(
            summary, field="summary", label="需求描述", limit=SUMMARY_MAX, required=not item_ids
        ),
        "address": _text(
            address, field="address", label="上门地址", limit=ADDRESS_MAX, required=way == Way.DOOR
        ),
        "visit_for": _text(
            visit_for, field="visit_for", label="需上门服务的人员", limit=VISIT_FOR_MAX, required=False
        ),
    }
    if len(item_ids) > 5:
        raise ServiceError("invalid", "一次最多选择 5 个事项", field="items")
    if way == Way.WINDOW and slot_id is None:
        raise ServiceError("required", "请选择到窗口办理的预约时段", field="slot")
    if way == Way.WINDOW and not Slot.objects.filter(pk=slot_id, institution=institution).exists():
        raise ServiceError("invalid", "所选预约时段不存在或已过期，请重新选择", field="slot")
    return data


def request_code(*, phone: str, client: str = "") -> None:
    """Send the code for a new online request."""
    verification.code_issue(phone=phone, purpose=PhoneCode.Purpose.REQUEST, client=client)


def request_create(
    *,
    institution: Institution,
    kind: str,
    way: str,
    applicant_name: str,
    phone: str,
    code: str,
    items: list[int] | None = None,
    summary: str = "",
    slot_id: int | None = None,
    address: str = "",
    visit_for: str = "",
    priority_group: str = "",
) -> Case:
    """A citizen's request for help: a new case in the institution's queue (status 咨询, channel
    网上 or 上门), with the booked window slot taken atomically; an SMS confirms the booking.

    Guarantees: nothing is saved unless the SMS code is right and every field is valid; a full slot
    is refused (the code stays unused); the code is used once.
    """
    item_ids = list(dict.fromkeys(items or []))
    data = _clean_request(
        institution=institution,
        kind=kind,
        way=way,
        applicant_name=applicant_name,
        phone=phone,
        summary=summary,
        item_ids=item_ids,
        slot_id=slot_id,
        address=address,
        visit_for=visit_for,
        priority_group=priority_group,
    )
    with verification.code_consuming(phone=data["phone"], purpose=PhoneCode.Purpose.REQUEST, code=code):
        # The place first: a full slot is refused before a case number is drawn.
        slot = _take(slot_id, institution) if way == Way.WINDOW else None
        summary_text = data["summary"]
        if way == Way.REMOTE:
            summary_text = ("申请远程帮办。" + summary_text)[:SUMMARY_MAX]
        case = case_services.case_receive_online(
            registrar=online_registrar(),
            institution=institution,
            kind=kind,
            applicant_name=data["applicant_name"],
            phone=data["phone"],
            items=item_ids,
            channel=Channel.DOOR if way == Way.DOOR else Channel.ONLINE,
            priority_group=priority_group,
            summary=summary_text,
        )
        ServiceRequest.objects.create(
            case=case,
            way=way,
            address=data["address"] if way == Way.DOOR else "",
            visit_for=data["visit_for"],
        )
        booking = None
        if slot is not None:
            booking = Booking.objects.create(slot=slot, case=case, phone_hash=case.phone_hash)
            CaseEvent.objects.create(
                case=case,
                type=CaseEvent.Type.LOG,
                actor_name="网上申请",
                text=f"预约到窗口办理：{label_of(slot)}",
            )
            _booking_sms(case, slot, f"book:{booking.pk}")
        audit_record(
            actor=None,
            actor_name="网上申请",
            action="bookings.request.create",
            target=case,
            institution=institution,
            changes={
                "way": {"before": None, "after": way},
                "slot": {"before": None, "after": label_of(booking.slot) if booking else None},
            },
        )
    return case


# --- the citizen changes their booking --------------------------------------------------------------


def _case_for(number: str, phone: str) -> Case | None:
    number = " ".join(str(number or "").split())
    if not number or len(number) > 32:
        return None
    return (
        Case.objects.select_related("institution")
        .filter(number=number, phone_hash=crypto.lookup_hash(phone))
        .first()
    )


def _clean_number(number: str) -> str:
    number = "".join(str(number or "").split())
    if not number:
        raise ServiceError("required", "请填写办件编号", field="number")
    if len(number) > 32:
        raise ServiceError("invalid", "办件编号不能超过 32 个字符", field="number")
    return number


def case_code(*, number: str, phone: str, purpose: str, client: str = "") -> None:
    """A code for tracking or changing a booking by case number + phone. The answer is the same whether
    or not the number exists and belongs to the phone; the SMS goes only when they match."""
    number = _clean_number(number)
    phone = verification.clean_mobile(phone)
    case = _case_for(number, phone)
    verification.code_issue(
        phone=phone,
        purpose=purpose,
        subject=str(case.pk) if case else "",
        client=client,
        send=case is not None,
        institution=case.institution if case else None,
    )


CODE_REFUSAL = "验证码不正确或已失效，请核对办件编号、手机号码和验证码，或重新获取"


@contextmanager
def _verified_case(number: str, phone: str, code: str, purpose: str):
    """Yield the case once the code sent for this number + phone is used. An unknown number, another
    phone, a wrong, used or expired code all get the same refusal (nothing reveals which)."""
    number = _clean_number(number)
    phone = verification.clean_mobile(phone)
    verification.clean_code(code)
    case = _case_for(number, phone)
    consuming = verification.code_consuming(
        phone=phone, purpose=purpose, code=code, subject=str(case.pk) if case else "-"
    )
    try:
        with consuming:
            yield case
    except ServiceError as error:
        if error.code in verification.CODE_ERRORS:
            raise ServiceError("code_refused", CODE_REFUSAL, field="code") from None
        raise


def track_open(*, number: str, phone: str, code: str) -> str:
    """The tracking page's URL once the code sent for this number + phone is verified."""
    with _verified_case(number, phone, code, PhoneCode.Purpose.TRACK) as case:
        pass
    return reverse("cases:track", args=[case.tracking_token])


def _active_booking(case: Case) -> Booking:
    booking = Booking.objects.select_for_update().filter(case=case, status=Booking.Status.ACTIVE).first()
    if booking is None:
        raise ServiceError("no_booking", "该办件没有有效的预约", field="number")
    return booking


def booking_cancel(*, number: str, phone: str, code: str) -> Booking:
    """The citizen cancels their window booking (the place is freed at once)."""
    with _verified_case(number, phone, code, PhoneCode.Purpose.BOOKING) as case:
        booking = _active_booking(case)
        if booking.slot.date <= timezone.localdate():
            raise ServiceError("too_late", "当天及已过去的预约不能在网上取消，请联系服务机构", field="number")
        booking.status, booking.cancelled_at = Booking.Status.CANCELLED, timezone.now()
        booking.save(update_fields=["status", "cancelled_at"])
        _release(booking.slot_id)
        CaseEvent.objects.create(
            case=case,
            type=CaseEvent.Type.LOG,
            actor_name="网上申请",
            text=f"申请人取消预约：{label_of(booking.slot)}",
        )
        audit_record(
            actor=None,
            actor_name="网上申请",
            action="bookings.booking.cancel",
            target=case,
            institution=case.institution,
            changes={"slot": {"before": label_of(booking.slot), "after": None}},
        )
    return booking


def booking_reschedule(*, number: str, phone: str, code: str, slot_id: int) -> Booking:
    """Move the booking to another slot of the same institution: the new place is taken before the
    old one is freed, in one transaction (a full new slot changes nothing)."""
    with _verified_case(number, phone, code, PhoneCode.Purpose.BOOKING) as case:
        old = _active_booking(case)
        if old.slot_id == slot_id:
            raise ServiceError("invalid", "新时段与原预约相同", field="slot")
        # Both rows locked in id order: two citizens swapping slots at once cannot deadlock.
        list(Slot.objects.select_for_update().filter(pk__in=[old.slot_id, slot_id]).order_by("pk"))
        slot = _take(slot_id, case.institution)
        old.status, old.cancelled_at = Booking.Status.CANCELLED, timezone.now()
        old.save(update_fields=["status", "cancelled_at"])
        _release(old.slot_id)
        booking = Booking.objects.create(slot=slot, case=case, phone_hash=case.phone_hash)
        CaseEvent.objects.create(
            case=case,
            type=CaseEvent.Type.LOG,
            actor_name="网上申请",
            text=f"申请人改约：{label_of(old.slot)} → {label_of(slot)}",
        )
        _booking_sms(case, slot, f"book:{booking.pk}")
        audit_record(
            actor=None,
            actor_name="网上申请",
            action="bookings.booking.reschedule",
            target=case,
            institution=case.institution,
            changes={"slot": {"before": label_of(old.slot), "after": label_of(slot)}},
        )
    return booking


# --- signatures on the entrustment ------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def clean_png(data: bytes) -> tuple[int, int]:
    """(width, height) of a real, bounded PNG; a Chinese refusal otherwise."""
    if not data:
        raise ServiceError("required", "请先在签名框内签名", field="image")
    if len(data) > PNG_MAX_BYTES:
        raise ServiceError("invalid", f"签名图像不能超过 {PNG_MAX_BYTES // 1000} KB", field="image")
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != "PNG":
                raise ServiceError("invalid", "签名图像须为 PNG 格式", field="image")
            width, height = image.size
            if not (20 <= width <= PNG_MAX_SIDE and 20 <= height <= PNG_MAX_SIDE):
                raise ServiceError(
                    "invalid", f"签名图像的宽和高应在 20 至 {PNG_MAX_SIDE} 像素之间", field="image"
                )
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ServiceError("invalid", "签名图像不是有效的 PNG 图片", field="image") from None
    return width, height


def _require_entrustment_handler(by, entrustment: Entrustment) -> None:
    if not has_cap(by, Cap.CASE_HANDLE):
        raise AccessRefused("capability_required", "您的角色不能办理办件")
    if not institution_in_scope(by, entrustment.case.institution):
        raise NotInScope(target=entrustment.case)


def _store_signature(
    entrustment: Entrustment, data: bytes, channel: str, ip: str | None, by=None
) -> EntrustmentSignature:
    width, height = clean_png(data)
    if EntrustmentSignature.objects.filter(entrustment=entrustment).exists():
        raise ServiceError("already_signed", "该委托书已签名；如需重签，请重新签订委托书", field="image")
    try:
        with transaction.atomic():
            sig = EntrustmentSignature.objects.create(
                entrustment=entrustment,
                image=data,
                width=width,
                height=height,
                channel=channel,
                ip=ip or None,
            )
    except IntegrityError:  # signed concurrently
        raise ServiceError(
            "already_signed", "该委托书已签名；如需重签，请重新签订委托书", field="image"
        ) from None
    case = entrustment.case
    CaseEvent.objects.create(
        case=case,
        type=CaseEvent.Type.ENTRUSTMENT,
        actor=by,
        actor_name=by.display_name if by else "申请人",
        text=f"申请人在{sig.get_channel_display()}上签署委托书",
    )
    audit_record(
        actor=by,
        actor_name="" if by else "申请人",
        action="bookings.signature.sign",
        target=case,
        institution=case.institution,
        changes={
            "entrustment": {"before": None, "after": entrustment.pk},
            "channel": {"before": None, "after": channel},
        },
    )
    return sig


@transaction.atomic
def signature_at_window(
    *, by, entrustment: Entrustment, image: bytes, ip: str | None = None
) -> EntrustmentSignature:
    """The applicant signs on the window's tablet, the agent's session open."""
    entrustment = (
        Entrustment.objects.select_for_update().select_related("case__institution").get(pk=entrustment.pk)
    )
    _require_entrustment_handler(by, entrustment)
    return _store_signature(entrustment, image, EntrustmentSignature.Channel.WINDOW, ip, by)


@transaction.atomic
def sign_link_send(*, by, entrustment: Entrustment) -> str:
    """Send the applicant a one-time link (valid SIGN_LINK_TTL) to sign on their phone. Returns the URL."""
    entrustment = Entrustment.objects.select_related("case__institution").get(pk=entrustment.pk)
    _require_entrustment_handler(by, entrustment)
    if EntrustmentSignature.objects.filter(entrustment=entrustment).exists():
        raise ServiceError("already_signed", "该委托书已签名", field="entrustment")
    case = entrustment.case
    phone = crypto.decrypt(case.phone_encrypted)
    if mobile_problem(phone):
        raise ServiceError("no_mobile", "申请人未留手机号码，请在窗口平板上签名", field="phone")
    token = secrets.token_urlsafe(24)
    link = SignLink.objects.create(
        entrustment=entrustment, token_hash=_token_hash(token), expires_at=timezone.now() + SIGN_LINK_TTL
    )
    url = settings.BANGBAN_PUBLIC_URL.rstrip("/") + reverse("bookings:sign_public", args=[token])
    notify(
        phone=phone,
        text=f"{signature()}请签署办件{case.number}的代办委托书：{url}",
        event=Message.Event.OTHER,
        dedupe_key=f"signlink:{link.pk}",
        object_type="cases.case",
        object_id=str(case.pk),
        institution=case.institution,
    )
    audit_record(
        actor=by,
        action="bookings.signature.link",
        target=case,
        institution=case.institution,
        changes={"entrustment": {"before": None, "after": entrustment.pk}},
    )
    return url


def sign_link_get(token: str) -> SignLink | None:
    """The live link for `token` (unused, unexpired, entrustment unsigned), or None."""
    token = str(token or "")
    if not token or len(token) > 64:
        return None
    link = (
        SignLink.objects.select_related("entrustment__case__institution")
        .filter(token_hash=_token_hash(token), used_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if link is None or EntrustmentSignature.objects.filter(entrustment_id=link.entrustment_id).exists():
        return None
    return link


@transaction.atomic
def signature_by_link(*, token: str, image: bytes, ip: str | None = None) -> EntrustmentSignature:
    """The applicant signs on their phone through the link (used once: conditional UPDATE)."""
    link = sign_link_get(token)
    if link is None:
        raise ServiceError("link_dead", "签名链接已失效，请联系帮办代办员重新发送", field="token")
    clean_png(image)
    if SignLink.objects.filter(pk=link.pk, used_at__isnull=True).update(used_at=timezone.now()) != 1:
        raise ServiceError("link_dead", "签名链接已失效，请联系帮办代办员重新发送", field="token")
    return _store_signature(link.entrustment, image, EntrustmentSignature.Channel.PHONE, ip)


def signature_for(entrustment_id: int) -> EntrustmentSignature | None:
    return EntrustmentSignature.objects.filter(entrustment_id=entrustment_id).first()


def case_for_token(token: str) -> Case | None:
    return case_by_token(token)
