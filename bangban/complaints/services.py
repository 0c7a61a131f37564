"""Every change to a complaint or a consultation.

Each service is one transaction: it checks the actor's capability and scope, validates the input
(a ServiceError in Chinese naming the field; nothing written), writes the change, one timeline row
(ComplaintStep) where the object has a timeline, one audit row, and queues the SMS to the person
who complained or asked (sent after commit, once per dedupe key). A step is written with a
conditional UPDATE on the status and version read under the row lock: two people submitting the
same step at once advance the complaint once; the second is refused with a clear message.
"""

from __future__ import annotations

import datetime as dt
import re

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from bangban.accounts.models import User
from bangban.accounts.permissions import has_cap
from bangban.accounts.roles import Cap
from bangban.audit.services import audit_record
from bangban.cases.models import Case
from bangban.catalog.models import Item
from bangban.complaints import indicators, workflow
from bangban.complaints.models import (
    ANSWER_MAX,
    CONTENT_MAX,
    QUESTION_MAX,
    STEP_TEXT_MAX,
    Channel,
    Complaint,
    ComplaintStep,
    Consultation,
    ConsultChannel,
    Status,
)
from bangban.core import crypto
from bangban.core.errors import AccessRefused, NotInScope, ServiceError
from bangban.core.ids import mobile_problem
from bangban.notifications.models import Message
from bangban.notifications.services import notify
from bangban.notifications.texts import signature
from bangban.org.models import Institution
from bangban.org.selectors import institution_in_scope
from bangban.supervision import facts
from bangban.workdays.selectors import get_calendar

LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
NAME_MAX = 50
TICKET_MAX = 40
SMS_ANSWER_MAX = 180  # a consultation's answer by SMS: up to three segments, then "…"


# --- configuration ---------------------------------------------------------------------------------


def step_limits() -> dict[str, int]:
    """The complaint step limits in working days (settings.BANGBAN_COMPLAINT_STEP_LIMITS, validated)."""
    return workflow.check_limits(getattr(settings, "BANGBAN_COMPLAINT_STEP_LIMITS", {}))


def consultation_limit(channel: str) -> int:
    """Working days within which a consultation must be answered: 0 = the same day."""
    limits = {"window": 0, "phone": 0, "online": 1} | getattr(settings, "BANGBAN_CONSULTATION_LIMITS", {})
    return int(limits.get(channel, 0))


def today() -> dt.date:
    return timezone.localdate()


def _short(text: str, limit: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- indicators ----------------------------------------------------------------------------------


def indicators_changed(before: list, after: list) -> None:
    """Called inside each service's transaction with the record's indicator facts before and after the
    change (complaints.indicators; [] before a creation): the daily counters (supervision.facts) take
    `after - before` in the same transaction, so they commit or roll back with the change."""
    facts.apply(before, after)


# --- shared checks ---------------------------------------------------------------------------------


def _text(value, *, field: str, label: str, limit: int, required: bool) -> str:
    value = (value or "").strip() if isinstance(value, str) else ""
    if required and not value:
        raise ServiceError("required", f"「{label}」为必填项", field=field)
    if len(value) > limit:
        raise ServiceError("too_long", f"「{label}」不能超过 {limit} 个字符", field=field)
    return value


def _phone(value, *, required: bool = False) -> str:
    phone = "".join((value or "").split()) if isinstance(value, str) else ""
    if not phone:
        if required:
            raise ServiceError("required", "「联系电话」为必填项", field="phone")
        return ""
    if mobile_problem(phone) and not LANDLINE_RE.match(phone):
        raise ServiceError("invalid", "「联系电话」应为 11 位手机号码或带区号的固定电话", field="phone")
    return phone


def _phone_columns(phone: str) -> dict:
    if not phone:
        return {"phone_encrypted": "", "phone_hash": "", "phone_masked": ""}
    return crypto.phone_columns(phone)


def _institution(by, institution) -> Institution:
    if institution is None:
        institution = by.institution
    elif not isinstance(institution, Institution):
        institution = Institution.objects.filter(pk=institution).first()
        if institution is None:
            raise ServiceError("invalid", "「责任机构」不存在", field="institution")
    if institution is None or not institution_in_scope(by, institution):
        raise ServiceError("not_in_scope", "「责任机构」不存在或不在您的数据范围内", field="institution")
    return institution


# --- complaints ------------------------------------------------------------------------------------


def can_register_complaint(user) -> bool:
    return has_cap(user, Cap.CASE_HANDLE) or has_cap(user, Cap.COMPLAINT_HANDLE)


def can_handle_complaint(user, complaint: Complaint) -> bool:
    return has_cap(user, Cap.COMPLAINT_HANDLE) and institution_in_scope(user, complaint.institution)


def _next_number(institution: Institution, on: dt.date) -> str:
    """The next complaint number of the county and year (one atomic upsert; rolled back with the complaint)."""
    prefix = institution.division.code[:6].ljust(6, "0")
    table = connection.ops.quote_name("complaints_complaintcounter")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (prefix, year, last) VALUES (%s, %s, 1) "
            f"ON CONFLICT (prefix, year) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [prefix, on.year],
        )
        (seq,) = cursor.fetchone()
    return f"TS{prefix}{on.year}{seq:06d}"


def _case_in_scope(by, case) -> Case | None:
    if case in (None, ""):
        return None
    pk = case.pk if isinstance(case, Case) else case
    found = Case.objects.select_related("institution").filter(pk=pk).first() if isinstance(pk, int) else None
    if found is None or not institution_in_scope(by, found.institution):
        raise ServiceError("not_in_scope", "「涉及办件」不存在或不在您的数据范围内", field="case")
    return found


def _agent_in_scope(by, agent) -> User | None:
    if agent in (None, ""):
        return None
    pk = agent.pk if isinstance(agent, User) else agent
    found = User.objects.select_related("institution").filter(pk=pk).first() if isinstance(pk, int) else None
    if found is None or not institution_in_scope(by, found.institution):
        raise ServiceError("not_in_scope", "「涉及人员」不存在或不在您的数据范围内", field="agent")
    return found


def _step(complaint: Complaint, by, action: str, *, from_status: str, text: str, due=None, late=False):
    return ComplaintStep.objects.create(
        complaint=complaint,
        action=action,
        from_status=from_status,
        to_status=complaint.status,
        actor=by,
        actor_name=by.display_name,
        text=text,
        due=due,
        late=late,
    )


def complaint_record_supervision(*, complaint: Complaint, by, text: str) -> ComplaintStep:
    """A 督办 line on the complaint's own timeline, beside its five steps (the status does not move).
    Called by the oversight services inside their transaction when an order on the complaint is issued,
    answered, evaluated or escalated; `by` None means the system."""
    text = " ".join((text or "").split())
    if len(text) > 300:
        text = text[:299] + "…"
    return ComplaintStep.objects.create(
        complaint=complaint,
        action="supervise",
        from_status=complaint.status,
        to_status=complaint.status,
        actor=by,
        actor_name=by.display_name if by is not None else "系统",
        text=text,
    )


def _complainant_phone(complaint: Complaint) -> str | None:
    """The named complainant's mobile number, or None (anonymous, none given, a landline)."""
    if complaint.anonymous or not complaint.phone_encrypted:
        return None
    phone = crypto.decrypt(complaint.phone_encrypted)
    return None if mobile_problem(phone) else phone


def _date(value: dt.date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def complaint_sms_text(complaint: Complaint, event: str) -> str:
    if event == Message.Event.COMPLAINT_IN:
        return f"{signature()}您的投诉{complaint.number}已受理，我们将于{_date(complaint.answer_due)}前答复。"
    head = f"{signature()}您的投诉{complaint.number}"
    if complaint.status == Status.REJECTED:
        head += "不予受理："
        body = complaint.rejection_reason
    else:
        head += "已办理，答复："
        body = complaint.answer
    return head + _short(body, max(70 - len(head), 10))


def _notify_complainant(complaint: Complaint, event: str) -> None:
    phone = _complainant_phone(complaint)
    if phone is None:
        return
    notify(
        phone=phone,
        text=complaint_sms_text(complaint, event),
        event=event,
        dedupe_key=f"complaint:{complaint.pk}:{event}",
        object_type="complaints.complaint",
        object_id=str(complaint.pk),
        institution=complaint.institution,
    )


@transaction.atomic
def complaint_register(
    *,
    by,
    channel: str,
    content: str,
    anonymous: bool = False,
    complainant_name: str = "",
    phone: str = "",
    hotline_ticket: str = "",
    case: Case | int | None = None,
    agent: User | int | None = None,
    institution: Institution | int | None = None,
) -> Complaint:
    """Register a complaint as received (待受理), numbered, its 受理 step due in the configured limit.

    Anyone who handles cases (at the window) or complaints may register one in their scope. The
    responsible institution defaults to the case's handling institution, else the registrar's.
    """
    if not can_register_complaint(by):
        raise AccessRefused("capability_required", "您的角色不能登记投诉")
    if channel not in Channel.values:
        raise ServiceError("invalid", "「渠道」只能是窗口、电话、网上、12345转办或信件", field="channel")
    ticket = _text(
        hotline_ticket,
        field="hotline_ticket",
        label="12345工单号",
        limit=TICKET_MAX,
        required=channel == Channel.HOTLINE,
    )
    if channel != Channel.HOTLINE:
        ticket = ""
    content = _text(content, field="content", label="投诉内容", limit=CONTENT_MAX, required=True)
    anonymous = bool(anonymous)
    if anonymous:
        name, phone = "", ""
    else:
        name = _text(
            complainant_name, field="complainant_name", label="投诉人姓名", limit=NAME_MAX, required=True
        )
        phone = _phone(phone)
    case = _case_in_scope(by, case)
    agent = _agent_in_scope(by, agent)
    if institution in (None, "") and case is not None:
        institution = case.institution
    institution = _institution(by, institution or None)
    limits = step_limits()
    calendar = get_calendar()
    on = today()
    complaint = Complaint(
        number=_next_number(institution, on),
        channel=channel,
        hotline_ticket=ticket,
        anonymous=anonymous,
        complainant_name=name,
        **_phone_columns(phone),
        content=content,
        case=case,
        agent=agent,
        institution=institution,
        status=Status.RECEIVED,
        step_due=calendar.add_workdays(on, limits["accept"]),
        answer_due=calendar.add_workdays(on, sum(limits.values())),
        created_by=by,
    )
    complaint.save(force_insert=True)
    indicators_changed([], indicators.facts_of_complaint(complaint))
    _step(
        complaint,
        by,
        "register",
        from_status="",
        text=f"登记投诉（{complaint.get_channel_display()}）",
        due=None,
    )
    audit_record(
        actor=by,
        action="complaints.complaint.create",
        target=complaint,
        institution=institution,
        changes={
            "channel": {"before": None, "after": channel},
            "anonymous": {"before": None, "after": anonymous},
            "case": {"before": None, "after": case.number if case else None},
        },
    )
    return complaint


def complaint_allowed_actions(*, complaint: Complaint, by) -> list[str]:
    """The steps `by` may take on `complaint` now: exactly those complaint_advance accepts."""
    if not can_handle_complaint(by, complaint):
        return []
    return workflow.allowed_actions(complaint.status)


@transaction.atomic
def complaint_advance(
    *, by, complaint: Complaint, action: str, text: str = "", expected_version: int | None = None
) -> Complaint:
    """Take one step (受理, 不予受理, 调查, 处置, 反馈, 归档) with what was found or done.

    Guarantees: only a complaint handler in the complaint's scope; only the step the status allows;
    the step's record says whether it was done late; the next step's due date is set from today in
    working days; SMS to a named complainant at 受理 and at the answer (反馈 or 不予受理).
    """
    if action not in workflow.TRANSITIONS:
        raise ServiceError("invalid", "投诉环节不存在", field="action")
    if not has_cap(by, Cap.COMPLAINT_HANDLE):
        raise AccessRefused("capability_required", "您的角色不能办理投诉")
    locked = Complaint.objects.select_for_update().select_related("institution").get(pk=complaint.pk)
    if not institution_in_scope(by, locked.institution):
        raise NotInScope(target=locked)
    if expected_version is not None and locked.version != expected_version:
        raise ServiceError("stale", "该投诉已被他人更新，请刷新页面后再操作", field="version")
    new = workflow.target(action, locked.status)
    if new is None:
        raise ServiceError(
            "invalid_transition",
            f"投诉当前状态为“{locked.get_status_display()}”，不能{workflow.ACTION_LABELS[action]}",
            field="status",
        )
    label, required = workflow.TEXT_LABELS[action]
    text = _text(text, field="text", label=label, limit=STEP_TEXT_MAX, required=required)
    on = today()
    old, old_version, done_due = locked.status, locked.version, locked.step_due
    facts_before = indicators.facts_of_complaint(locked)
    late = workflow.is_late(done_due, on, old)
    following = workflow.next_step(new)
    fields = {
        "status": new,
        "version": old_version + 1,
        "step_due": get_calendar().add_workdays(on, step_limits()[following]) if following else None,
        "updated_at": timezone.now(),
    }
    if action == "accept":
        fields["accepted_on"] = on
    elif action == "answer":
        fields |= {"answered_on": on, "answer": text}
    elif action == "reject":
        fields["rejection_reason"] = text
    # Conditional on what was read: a concurrent step that got here first leaves nothing to update.
    if not Complaint.objects.filter(pk=locked.pk, status=old, version=old_version).update(**fields):
        raise ServiceError("stale", "该投诉已被他人更新，请刷新页面后再操作", field="version")
    for name, value in fields.items():
        setattr(locked, name, value)
    indicators_changed(facts_before, indicators.facts_of_complaint(locked))
    _step(locked, by, action, from_status=old, text=text, due=done_due, late=late)
    audit_record(
        actor=by,
        action=f"complaints.complaint.{action}",
        target=locked,
        institution=locked.institution,
        changes={"status": {"before": old, "after": new}} | ({"late": True} if late else {}),
        note=text[:200],
    )
    if action == "accept":
        _notify_complainant(locked, Message.Event.COMPLAINT_IN)
    elif action in ("answer", "reject"):
        _notify_complainant(locked, Message.Event.COMPLAINT_DONE)
    return locked


def complaint_accept(*, by, complaint, text="", expected_version=None) -> Complaint:
    return complaint_advance(
        by=by, complaint=complaint, action="accept", text=text, expected_version=expected_version
    )


def complaint_reject(*, by, complaint, text, expected_version=None) -> Complaint:
    return complaint_advance(
        by=by, complaint=complaint, action="reject", text=text, expected_version=expected_version
    )


def complaint_investigate(*, by, complaint, text, expected_version=None) -> Complaint:
    return complaint_advance(
        by=by, complaint=complaint, action="investigate", text=text, expected_version=expected_version
    )


def complaint_handle(*, by, complaint, text, expected_version=None) -> Complaint:
    return complaint_advance(
        by=by, complaint=complaint, action="handle", text=text, expected_version=expected_version
    )


def complaint_answer(*, by, complaint, text, expected_version=None) -> Complaint:
    return complaint_advance(
        by=by, complaint=complaint, action="answer", text=text, expected_version=expected_version
    )


def complaint_archive(*, by, complaint, text="", expected_version=None) -> Complaint:
    return complaint_advance(
        by=by, complaint=complaint, action="archive", text=text, expected_version=expected_version
    )


def complaint_reveal_phone(*, by, complaint: Complaint) -> str:
    """The complainant's phone in clear, for the handler who must call back; every look audited."""
    if not can_handle_complaint(by, complaint):
        raise NotInScope(target=complaint)
    if not complaint.phone_encrypted:
        return ""
    audit_record(
        actor=by,
        action="complaints.complaint.reveal_phone",
        target=complaint,
        institution=complaint.institution,
    )
    return crypto.decrypt(complaint.phone_encrypted)


# --- consultations ---------------------------------------------------------------------------------


def _offered_item(item, institution: Institution, on: dt.date):
    """The version in force of `item` (an Item or id) if the institution's 清单 offers it."""
    from bangban.catalog.selectors import offered_items

    if item in (None, ""):
        return None
    pk = item.pk if isinstance(item, Item) else item
    version = (
        offered_items(institution=institution, on=on).filter(item_id=pk).select_related("item").first()
        if isinstance(pk, int)
        else None
    )
    if version is None:
        raise ServiceError("invalid", "「事项」不存在或不在本机构的帮办代办清单中", field="item")
    return version


def _require_consultation_handler(by, consultation: Consultation | None = None) -> None:
    if not has_cap(by, Cap.CONSULTATION_HANDLE):
        raise AccessRefused("capability_required", "您的角色不能登记或答复咨询")
    if consultation is not None and not institution_in_scope(by, consultation.institution):
        raise NotInScope(target=consultation)


def consultation_sms_text(consultation: Consultation) -> str:
    head = f"{signature()}您咨询的问题已答复："
    return head + _short(consultation.answer, SMS_ANSWER_MAX - len(head))


@transaction.atomic
def consultation_register(
    *,
    by,
    channel: str,
    question: str,
    answer: str = "",
    item: Item | int | None = None,
    asker_name: str = "",
    phone: str = "",
    resolved: bool = False,
    institution: Institution | int | None = None,
) -> Consultation:
    """Register a consultation; with an answer it is answered at once by `by` (the window's usual case).

    Its answer limit is fixed now as a date: window and phone the same day, online one working day
    (BANGBAN_CONSULTATION_LIMITS). An online question answered here with a mobile number gets the
    answer by SMS.
    """
    _require_consultation_handler(by)
    if channel not in ConsultChannel.values:
        raise ServiceError("invalid", "「渠道」只能是窗口、电话或网上", field="channel")
    question = _text(question, field="question", label="咨询内容", limit=QUESTION_MAX, required=True)
    answer = _text(answer, field="answer", label="答复", limit=ANSWER_MAX, required=False)
    asker_name = _text(asker_name, field="asker_name", label="咨询人", limit=NAME_MAX, required=False)
    phone = _phone(phone)
    institution = _institution(by, institution or None)
    now = timezone.now()
    on = timezone.localdate(now)
    version = _offered_item(item, institution, on)
    consultation = Consultation.objects.create(
        channel=channel,
        question=question,
        item_id=version.item_id if version else None,
        item_name=version.name[:200] if version else "",
        asker_name=asker_name,
        **_phone_columns(phone),
        answer=answer,
        answered_by=by if answer else None,
        asked_at=now,
        first_answered_at=now if answer else None,
        answer_due=get_calendar().add_workdays(on, consultation_limit(channel)),
        resolved=bool(resolved) and bool(answer),
        institution=institution,
        created_by=by,
    )
    indicators_changed([], indicators.facts_of_consultation(consultation))
    audit_record(
        actor=by,
        action="complaints.consultation.create",
        target=consultation,
        institution=institution,
        changes={"channel": {"before": None, "after": channel}, "answered": bool(answer)},
    )
    if answer:
        _send_answer(consultation)
    return consultation


@transaction.atomic
def consultation_receive_online(
    *,
    institution: Institution,
    question: str,
    asker_name: str = "",
    phone: str = "",
    item: Item | int | None = None,
) -> Consultation:
    """An online question from the public portal (no staff actor): registered unanswered, due within the
    online limit in working days; answered later by consultation_answer (by SMS when a mobile was left)."""
    question = _text(question, field="question", label="咨询内容", limit=QUESTION_MAX, required=True)
    asker_name = _text(asker_name, field="asker_name", label="咨询人", limit=NAME_MAX, required=False)
    phone = _phone(phone)
    now = timezone.now()
    on = timezone.localdate(now)
    version = _offered_item(item, institution, on)
    consultation = Consultation.objects.create(
        channel=ConsultChannel.ONLINE,
        question=question,
        item_id=version.item_id if version else None,
        item_name=version.name[:200] if version else "",
        asker_name=asker_name,
        **_phone_columns(phone),
        asked_at=now,
        answer_due=get_calendar().add_workdays(on, consultation_limit(ConsultChannel.ONLINE)),
        institution=institution,
    )
    indicators_changed([], indicators.facts_of_consultation(consultation))
    audit_record(
        actor=None,
        actor_name="网上咨询",
        action="complaints.consultation.receive",
        target=consultation,
        institution=institution,
        changes={"channel": {"before": None, "after": ConsultChannel.ONLINE}},
    )
    return consultation


def _send_answer(consultation: Consultation) -> None:
    """Online questions are answered by SMS when a mobile number was left (at the window and on the
    phone the person heard the answer)."""
    if consultation.channel != ConsultChannel.ONLINE or not consultation.phone_encrypted:
        return
    phone = crypto.decrypt(consultation.phone_encrypted)
    if mobile_problem(phone):
        return
    notify(
        phone=phone,
        text=consultation_sms_text(consultation),
        event=Message.Event.CONSULT_ANSWER,
        dedupe_key=f"consultation:{consultation.pk}:answer",
        object_type="complaints.consultation",
        object_id=str(consultation.pk),
        institution=consultation.institution,
    )


@transaction.atomic
def consultation_answer(
    *, by, consultation: Consultation, answer: str, resolved: bool = False
) -> Consultation:
    """Answer an unanswered consultation (the first answer is kept: a second is refused).

    Guarantees: one first answer even under concurrent posts (row lock + conditional UPDATE); SMS for
    an online question with a mobile number.
    """
    _require_consultation_handler(by, consultation)
    answer = _text(answer, field="answer", label="答复", limit=ANSWER_MAX, required=True)
    locked = Consultation.objects.select_for_update().select_related("institution").get(pk=consultation.pk)
    if locked.first_answered_at is not None:
        raise ServiceError("already_answered", "该咨询已答复，不能重复答复", field="answer")
    now = timezone.now()
    facts_before = indicators.facts_of_consultation(locked)
    updated = Consultation.objects.filter(pk=locked.pk, first_answered_at__isnull=True).update(
        answer=answer, answered_by=by, first_answered_at=now, resolved=bool(resolved)
    )
    if not updated:
        raise ServiceError("already_answered", "该咨询已答复，不能重复答复", field="answer")
    locked.answer, locked.answered_by, locked.first_answered_at = answer, by, now
    locked.resolved = bool(resolved)
    indicators_changed(facts_before, indicators.facts_of_consultation(locked))
    audit_record(
        actor=by,
        action="complaints.consultation.answer",
        target=locked,
        institution=locked.institution,
        changes={"answered": True, "resolved": bool(resolved)},
    )
    _send_answer(locked)
    return locked


@transaction.atomic
def consultation_link_case(*, by, consultation: Consultation, case: Case) -> Consultation:
    """Record that the consultation was turned into `case` (转为办件); once only, both in scope."""
    _require_consultation_handler(by, consultation)
    if not institution_in_scope(by, case.institution):
        raise NotInScope(target=case)
    if not Consultation.objects.filter(pk=consultation.pk, case__isnull=True).update(
        case=case, resolved=True
    ):
        raise ServiceError("already_linked", "该咨询已转为办件", field="case")
    consultation.case, consultation.resolved = case, True
    audit_record(
        actor=by,
        action="complaints.consultation.link_case",
        target=consultation,
        institution=consultation.institution,
        changes={"case": {"before": None, "after": case.number}},
    )
    return consultation


def consultation_reveal_phone(*, by, consultation: Consultation) -> str:
    """The asker's phone in clear (for 转为办件's prefill), audited."""
    _require_consultation_handler(by, consultation)
    if not consultation.phone_encrypted:
        return ""
    audit_record(
        actor=by,
        action="complaints.consultation.reveal_phone",
        target=consultation,
        institution=consultation.institution,
    )
    return crypto.decrypt(consultation.phone_encrypted)
