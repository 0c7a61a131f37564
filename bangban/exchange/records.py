"""The records of each kind (mapping.KINDS): which rows, their change time, and the record each row
becomes. Scope and paging are the selectors' business; this module only knows the shapes.

Personal data (ID and phone numbers) is decrypted here and only here, for an export that the
caller audits (services.exchange_export / delivery_push).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import F, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from bangban.cases.models import Case, CaseEvent, CaseItem, Entrustment, Status
from bangban.catalog.models import ItemVersion
from bangban.complaints.models import Complaint
from bangban.core import crypto
from bangban.evaluations.models import Review
from bangban.exchange import mapping


def _dt(value) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def _d(value) -> str | None:
    return value.isoformat() if value else None


def _name(user) -> str:
    return user.display_name if user is not None else ""


def _case_type(is_immediate: bool) -> int:
    return mapping.CASE_TYPE_IMMEDIATE if is_immediate else mapping.CASE_TYPE_PROMISED


@dataclass(frozen=True)
class Source:
    queryset: Callable[[], QuerySet]
    changed: str  # the field whose value is the record's change time (keyset with id)
    scope_field: str  # the Institution foreign-key path for org.selectors.scope_q
    build: Callable[[object], dict]


# --- 事项 -----------------------------------------------------------------------------------------


def _items() -> QuerySet:
    return ItemVersion.objects.filter(state=ItemVersion.State.PUBLISHED).select_related("department")


def _item(v: ItemVersion) -> dict:
    return {
        "item_name": v.name,
        "basic_code": v.basic_code,
        "implementation_code": v.implementation_code,
        "item_type": v.item_type,
        "main_basic_code": v.main_basic_code or None,
        "org_name": v.department.name,
        "org_code": v.department.credit_code,
        "competent_department": v.competent_department,
        "level": v.level,
        "case_type": _case_type(v.is_immediate),
        "statutory_days": v.statutory_days,
        "promised_days": v.promised_days,
        "version": v.number,
        "valid_from": _d(v.valid_from),
        "valid_to": _d(v.valid_to),
        "suspended": v.is_suspended,
        "updated_at": _dt(v.updated_at),
    }


# --- 办事申请, 受理, 办结 -----------------------------------------------------------------------------


def _cases() -> QuerySet:
    return Case.objects.select_related(
        "institution__division", "agent__institution", "created_by"
    ).prefetch_related(
        Prefetch("items", queryset=CaseItem.objects.select_related("item_version").order_by("id")),
        Prefetch("entrustments", queryset=Entrustment.objects.order_by("signed_at", "id")),
    )


def _first_code(case: Case) -> str | None:
    items = list(case.items.all())
    return items[0].item_version.implementation_code if items else None


def _application(case: Case) -> dict:
    entrustments = list(case.entrustments.all())
    last = entrustments[-1] if entrustments else None
    person = case.applicant_type == "person"
    id_number = crypto.decrypt(case.applicant_id_encrypted) if person else case.credit_code
    agent = case.agent if case.kind == "agency" and last is not None else None
    names = "；".join(i.name for i in case.items.all())
    return {
        "case_number": case.number,
        "implementation_code": _first_code(case),
        "item_name": names or None,
        "applicant_type": mapping.APPLICANT_PERSON if person else mapping.APPLICANT_LEGAL,
        "applicant_name": case.applicant_name,
        "applicant_id_type": ("居民身份证" if person else "统一社会信用代码") if id_number else None,
        "applicant_id_number": id_number or None,
        "contact_name": case.contact_name or None,
        "contact_phone": crypto.decrypt(case.phone_encrypted),
        "agent_name": _name(agent) or None,
        "agent_org": agent.institution.name if agent is not None and agent.institution else None,
        "entrusted_at": _dt(last.signed_at) if last else None,
        "entrust_scope": last.get_scope_display() if last else None,
        "service_kind": case.get_kind_display(),
        "channel": case.get_channel_display(),
        "applied_at": _dt(case.created_at),
        "org_name": case.institution.name,
        "division_code": case.institution.division.code,
        "updated_at": _dt(case.updated_at),
    }


def _acceptances() -> QuerySet:
    return _cases().filter(accepted_on__isnull=False)


def _acceptance(case: Case) -> dict:
    return {
        "case_number": case.number,
        "implementation_code": _first_code(case),
        "org_name": case.institution.name,
        "division_code": case.institution.division.code,
        "handler": _name(case.agent or case.created_by),
        "accepted_on": _d(case.accepted_on),
        "case_type": _case_type(case.is_immediate),
        "promised_days": case.promised_days,
        "due_date": _d(case.due_date),
        "updated_at": _dt(case.updated_at),
    }


FINISHED = (Status.COMPLETED, Status.TERMINATED, Status.ARCHIVED)


def _completions() -> QuerySet:
    return _cases().filter(finished_at__isnull=False, status__in=FINISHED)


def _completion(case: Case) -> dict:
    terminated = bool(case.termination_reason)
    finished_on = timezone.localtime(case.finished_at).date()
    return {
        "case_number": case.number,
        "implementation_code": _first_code(case),
        "org_name": case.institution.name,
        "handler": _name(case.agent or case.created_by),
        "finished_at": _dt(case.finished_at),
        "finish_type": mapping.FINISH_TERMINATED if terminated else mapping.FINISH_COMPLETED,
        "result": case.termination_reason if terminated else case.result,
        "overdue": bool(case.due_date and finished_on > case.due_date),
        "updated_at": _dt(case.updated_at),
    }


# --- 办理环节 -------------------------------------------------------------------------------------

STATUS_LABELS = dict(Status.choices)


def _steps() -> QuerySet:
    previous = (
        CaseEvent.objects.filter(case=OuterRef("case"), type=CaseEvent.Type.TRANSITION, id__lt=OuterRef("id"))
        .order_by("-id")
        .values("at")[:1]
    )
    return (
        CaseEvent.objects.filter(type=CaseEvent.Type.TRANSITION)
        .select_related("case__institution", "institution")
        .annotate(started=Coalesce(Subquery(previous), F("case__created_at")))
    )


def _step(e: CaseEvent) -> dict:
    return {
        "case_number": e.case.number,
        "step_no": e.pk,
        "step_name": STATUS_LABELS.get(e.from_status, "登记") if e.from_status else "登记",
        "handler": e.actor_name or "系统",
        "handler_org": (e.institution or e.case.institution).name,
        "started_at": _dt(e.started),
        "ended_at": _dt(e.at),
        "action": e.to_status,
        "opinion": e.text,
    }


# --- 绩效评价, 投诉 -------------------------------------------------------------------------------


def _reviews() -> QuerySet:
    return Review.objects.select_related("case", "institution")


def _review(r: Review) -> dict:
    return {
        "evaluation_no": r.pk,
        "case_number": r.case.number if r.case_id else None,
        "satisfaction": int(r.level),  # our five levels are the standard's 1–5 (5 非常满意)
        "satisfaction_label": r.get_level_display(),
        "channel": r.get_channel_display(),
        "stage": r.get_stage_display(),
        "comment": r.comment or None,
        "follow_up": r.follow_up_of_id is not None,
        "org_name": r.institution.name,
        "evaluated_at": _dt(r.created_at),
    }


def _complaints() -> QuerySet:
    return Complaint.objects.select_related("case", "institution")


def _complaint(c: Complaint) -> dict:
    return {
        "complaint_number": c.number,
        "channel": c.get_channel_display(),
        "complainant": "匿名" if c.anonymous or not c.complainant_name else c.complainant_name,
        "contact_phone": crypto.decrypt(c.phone_encrypted) or None,
        "content": c.content,
        "case_number": c.case.number if c.case_id else None,
        "org_name": c.institution.name,
        "received_at": _dt(c.received_at),
        "status": c.get_status_display(),
        "accepted_on": _d(c.accepted_on),
        "answered_on": _d(c.answered_on),
        "answer": c.answer or None,
        "updated_at": _dt(c.updated_at),
    }


SOURCES: dict[str, Source] = {
    "item": Source(_items, "updated_at", "department__institution", _item),
    "application": Source(_cases, "updated_at", "institution", _application),
    "acceptance": Source(_acceptances, "updated_at", "institution", _acceptance),
    "step": Source(_steps, "at", "case__institution", _step),
    "completion": Source(_completions, "updated_at", "institution", _completion),
    "evaluation": Source(_reviews, "created_at", "institution", _review),
    "complaint": Source(_complaints, "updated_at", "institution", _complaint),
}
assert list(SOURCES) == list(mapping.BY_CODE)  # one source per mapped kind, in the same order
