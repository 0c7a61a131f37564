"""Every change to emergency records: one transaction, checked capability and scope, one audit row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from bangban.accounts.permissions import require_cap
from bangban.accounts.roles import Cap
from bangban.audit.services import audit_record
from bangban.core.errors import NotInScope, ServiceError
from bangban.core.uploads import upload_check
from bangban.emergencies import rules
from bangban.emergencies.models import Drill, EventType, Incident, IncidentStep, Plan
from bangban.org.models import Institution
from bangban.org.selectors import institution_in_scope


def _require_manager(by, institution: Institution) -> None:
    require_cap(by, Cap.TRAINING_MANAGE, "您的角色不能管理应急预案、演练和突发事件记录")
    if not institution_in_scope(by, institution):
        raise NotInScope(target=institution)


def _text(label: str, field: str, value: str, limit: int, *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ServiceError("required", f"「{label}」不能为空", field=field)
    if len(value) > limit:
        raise ServiceError("invalid", f"「{label}」不能超过 {limit} 字", field=field)
    return value


def _type(value: str, field: str = "type") -> str:
    if value not in EventType.values:
        allowed = "、".join(EventType.labels)
        raise ServiceError("invalid", f"「类型」只能是：{allowed}", field=field)
    return value


def _inspect_pdf(upload) -> str | None:
    upload.seek(0)
    head = upload.read(5)
    upload.seek(0)
    return rules.pdf_problem(head)


def check_pdf(upload) -> None:
    """The one check of a plan's PDF (pages and API): bounded size, .pdf name, PDF content."""
    try:
        upload_check(
            upload,
            label="预案文件",
            extensions=(".pdf",),
            max_bytes=rules.PDF_MAX_BYTES,
            inspect=_inspect_pdf,
        )
    except ValidationError as exc:
        raise ServiceError(exc.code or "invalid", exc.messages[0], field="pdf") from None


def _audit(by, action: str, target, institution, changes: dict, note: str = "") -> None:
    audit_record(
        actor=by,
        action=f"emergencies.{action}",
        target=target,
        institution=institution,
        changes=changes,
        note=note[:200],
    )


@transaction.atomic
def plan_publish(*, by, institution: Institution, type: str, title: str, content: str, pdf=None) -> Plan:
    """A new version of the institution's plan for `type`: the current version (if any) is superseded
    and stays readable. Two publications at once get consecutive versions or a clear refusal."""
    _require_manager(by, institution)
    type = _type(type)
    title = _text("预案名称", "title", title, rules.TITLE_MAX)
    content = _text("预案内容", "content", content, rules.CONTENT_MAX)
    if pdf is not None:
        check_pdf(pdf)
    current = (
        Plan.objects.select_for_update(of=("self",))
        .filter(institution=institution, type=type, is_current=True)
        .first()
    )
    now = timezone.now()
    plan = Plan(
        institution=institution,
        type=type,
        version=rules.next_version(current.version if current else None),
        title=title,
        content=content,
        created_by=by,
        created_at=now,
    )
    try:
        with transaction.atomic():
            if current is not None:
                current.is_current, current.superseded_at = False, now
                current.save(update_fields=["is_current", "superseded_at"])
            if pdf is not None:
                plan.pdf.save("plan.pdf", pdf, save=False)
            plan.save()
    except IntegrityError:
        raise ServiceError("conflict", "该类型的预案刚被他人更新，请刷新后重试", field="type") from None
    _audit(
        by,
        "plan.publish",
        plan,
        institution,
        {"version": {"before": current.version if current else None, "after": plan.version}},
        note=f"{plan.get_type_display()}：{title}",
    )
    return plan


@transaction.atomic
def drill_record(
    *,
    by,
    plan: Plan,
    held_on: date,
    participants: str,
    scenario: str,
    findings: str = "",
    improvements: str = "",
) -> Drill:
    """A drill of `plan` (any version; normally the current one)."""
    _require_manager(by, plan.institution)
    if not isinstance(held_on, date) or held_on > timezone.localdate():
        raise ServiceError("invalid", "「演练日期」须为今天或之前的日期", field="held_on")
    drill = Drill.objects.create(
        plan=plan,
        institution=plan.institution,
        held_on=held_on,
        participants=_text("参演人员", "participants", participants, rules.PARTICIPANTS_MAX),
        scenario=_text("演练情景", "scenario", scenario, rules.TEXT_MAX),
        findings=_text("发现的问题", "findings", findings, rules.TEXT_MAX, required=False),
        improvements=_text("改进措施", "improvements", improvements, rules.TEXT_MAX, required=False),
        created_by=by,
    )
    _audit(
        by,
        "drill.record",
        drill,
        plan.institution,
        {"held_on": {"before": None, "after": str(held_on)}},
        plan.title,
    )
    return drill


@dataclass(frozen=True)
class StepInput:
    at: datetime
    text: str


def _check_times(started_at, ended_at, steps) -> None:
    for name, value in (("started_at", started_at), ("ended_at", ended_at)):
        if value is not None and (not isinstance(value, datetime) or timezone.is_naive(value)):
            raise ServiceError("invalid", "时间须包含日期和时刻", field=name)
    problem = rules.incident_time_problem(started_at, ended_at, timezone.now(), steps)
    if problem:
        raise ServiceError("invalid", problem[1], field=problem[0])


@transaction.atomic
def incident_log(
    *,
    by,
    institution: Institution,
    type: str,
    started_at: datetime,
    description: str,
    ended_at: datetime | None = None,
    reported_to: str = "",
    steps: list[StepInput] = (),
) -> Incident:
    """Log an incident (what happened, when), with the steps taken so far, each at its time."""
    _require_manager(by, institution)
    type = _type(type)
    description = _text("事件经过", "description", description, rules.DESCRIPTION_MAX)
    reported_to = _text("报告对象", "reported_to", reported_to, rules.REPORTED_TO_MAX, required=False)
    texts = [_text("处置措施", "steps", s.text, rules.STEP_MAX) for s in steps]
    _check_times(started_at, ended_at, [s.at for s in steps])
    incident = Incident.objects.create(
        institution=institution,
        type=type,
        started_at=started_at,
        description=description,
        ended_at=ended_at,
        reported_to=reported_to,
        created_by=by,
    )
    IncidentStep.objects.bulk_create(
        [
            IncidentStep(incident=incident, at=s.at, text=t, actor_name=by.display_name)
            for s, t in zip(steps, texts, strict=True)
        ]
    )
    _audit(
        by,
        "incident.log",
        incident,
        institution,
        {"started_at": {"before": None, "after": started_at.isoformat()}},
        description,
    )
    return incident


@transaction.atomic
def incident_step_add(*, by, incident: Incident, at: datetime, text: str) -> IncidentStep:
    """One more step taken, at its time (between the start and the end, not in the future)."""
    incident = (
        Incident.objects.select_for_update(of=("self",)).select_related("institution").get(pk=incident.pk)
    )
    _require_manager(by, incident.institution)
    text = _text("处置措施", "text", text, rules.STEP_MAX)
    if not isinstance(at, datetime) or timezone.is_naive(at):
        raise ServiceError("invalid", "时间须包含日期和时刻", field="at")
    problem = rules.incident_time_problem(incident.started_at, incident.ended_at, timezone.now(), [at])
    if problem:
        raise ServiceError("invalid", problem[1], field="at")
    step = IncidentStep.objects.create(incident=incident, at=at, text=text, actor_name=by.display_name)
    _audit(
        by,
        "incident.step",
        incident,
        incident.institution,
        {"step": {"before": None, "after": at.isoformat()}},
        text,
    )
    return step


@transaction.atomic
def incident_close(*, by, incident: Incident, ended_at: datetime, reported_to: str = "") -> Incident:
    """The incident ended at `ended_at` (after its start and every step); who it was reported to."""
    incident = (
        Incident.objects.select_for_update(of=("self",)).select_related("institution").get(pk=incident.pk)
    )
    _require_manager(by, incident.institution)
    if incident.ended_at is not None:
        raise ServiceError("not_allowed", "该事件已登记结束时间", field="ended_at")
    reported_to = _text("报告对象", "reported_to", reported_to, rules.REPORTED_TO_MAX, required=False)
    _check_times(incident.started_at, ended_at, list(incident.steps.values_list("at", flat=True)))
    incident.ended_at = ended_at
    if reported_to:
        incident.reported_to = reported_to
    incident.save(update_fields=["ended_at", "reported_to"])
    _audit(
        by,
        "incident.close",
        incident,
        incident.institution,
        {"ended_at": {"before": None, "after": ended_at.isoformat()}},
    )
    return incident
