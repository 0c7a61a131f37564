"""Every change to a 督办单.

Each service is one transaction: it locks the order (or the target, when issuing), checks the actor's
capability and scope and the state table (oversight.rules), writes the change, one OrderEvent and
one audit row; an order on a case also writes a 督办 line on the case's timeline
(cases.services.case_record_supervision). A refused action changes nothing.

A target is a case (its deadline light, cases.clock) or a complaint (late by the complaints app's
own rule, complaints.workflow.is_late; due soon within the same yellow window as cases).
"""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from bangban.accounts.permissions import has_cap, require_cap
from bangban.accounts.roles import Cap
from bangban.audit.services import audit_record
from bangban.cases import clock
from bangban.cases import services as case_services
from bangban.cases.models import Case
from bangban.complaints import workflow as complaint_workflow
from bangban.complaints.models import Complaint
from bangban.core.errors import NotInScope, ServiceError
from bangban.org.selectors import institution_in_scope
from bangban.oversight import rules
from bangban.oversight.models import Order, OrderEvent
from bangban.workdays.selectors import get_calendar, yellow_within


def _event(order: Order, by, type_: str, text: str = "") -> OrderEvent:
    return OrderEvent.objects.create(
        order=order, type=type_, actor=by, actor_name=by.display_name if by else "系统", text=text
    )


def _audit(by, action: str, order: Order, changes: dict | None = None, note: str = "") -> None:
    audit_record(
        actor=by,
        action=f"oversight.order.{action}",
        target=order,
        institution=order.institution,
        changes=changes or {},
        note=note[:200],
    )


def _clean_text(label: str, field: str, text: str, *, required: bool = True) -> str:
    problem = rules.text_problem(label, text, required=required)
    if problem:
        raise ServiceError("required" if not (text or "").strip() else "invalid", problem, field=field)
    return (text or "").strip()


def _lock(order: Order) -> Order:
    return (
        Order.objects.select_for_update(of=("self",))
        .select_related("institution", "case", "complaint")
        .get(pk=order.pk)
    )


def _case_line(order: Order, by, step: str, text: str) -> None:
    """The 督办 line on the target's own timeline: the case's events or the complaint's steps."""
    if order.case_id:
        case_services.case_record_supervision(case=order.case, by=by, text=text, order_id=order.pk, step=step)
    elif order.complaint_id:
        from bangban.complaints.services import complaint_record_supervision

        complaint_record_supervision(complaint=order.complaint, by=by, text=text)


def _transition(order: Order, action: str) -> str:
    to = rules.target(action, order.state)
    if to is None:
        raise ServiceError(
            "not_allowed",
            f"督办单当前状态为「{order.get_state_display()}」，不能{rules.ACTION_LABELS[action]}",
        )
    return to


def answer_cap(order: Order) -> str:
    """The capability of the target's handler: COMPLAINT_HANDLE for a complaint, else CASE_HANDLE."""
    return Cap.COMPLAINT_HANDLE if order.complaint_id else Cap.CASE_HANDLE


def may_answer(*, order: Order, by) -> bool:
    """The handler of the target: CASE_HANDLE (COMPLAINT_HANDLE for complaints) over its institution,
    never the order's own issuer (a supervisor may also handle complaints: they do not answer
    themselves)."""
    return (
        has_cap(by, answer_cap(order))
        and institution_in_scope(by, order.institution)
        and order.issued_by_id != by.pk
    )


def may_evaluate(*, order: Order, by) -> bool:
    return has_cap(by, Cap.SUPERVISION_ISSUE) and institution_in_scope(by, order.institution)


def case_issuable(*, case: Case, on: date | None = None) -> bool:
    return rules.issuable(clock.light(case, on), case.is_open)


def complaint_light(complaint: Complaint, on: date | None = None) -> str:
    """red when the complaints app calls the complaint late (complaints.workflow.is_late); yellow when
    its current step is due within the platform's yellow window (BANGBAN_DEADLINE_YELLOW_DAYS working
    days, as for cases); green otherwise; '' when it is no longer open or has no step due."""
    if not complaint.is_open or complaint.step_due is None:
        return ""
    on = on or clock.today()
    if complaint_workflow.is_late(complaint.step_due, on, complaint.status):
        return "red"
    remaining = get_calendar().workdays_between(on, complaint.step_due)
    return "yellow" if remaining <= yellow_within() else "green"


def complaint_issuable(*, complaint: Complaint, on: date | None = None) -> bool:
    return rules.issuable(complaint_light(complaint, on), complaint.is_open)


@transaction.atomic
def order_issue(
    *,
    by,
    case: Case | None = None,
    complaint: Complaint | None = None,
    requirement: str,
    limit_days: int = rules.DEFAULT_LIMIT_DAYS,
) -> Order:
    """签发督办单 on exactly one target, due `limit_days` working days after today, at most one open
    order per target:
    - an open case whose light is red or yellow, addressed to its handling institution and agent;
    - an open complaint that is late or due soon, addressed to its responsible institution (answered
      by its complaint handlers)."""
    require_cap(by, Cap.SUPERVISION_ISSUE, "您的角色不能签发督办单")
    if (case is None) == (complaint is None):
        raise ServiceError("invalid", "督办对象须为一个办件或一件投诉", field="case")
    if case is not None:
        target = Case.objects.select_for_update(of=("self",)).select_related("institution").get(pk=case.pk)
        field, label, agent = "case", f"办件 {target.number}", target.agent
        refusal = "只能对未办结且已超期（红灯）或临近期限（黄灯）的办件督办"
        issuable = case_issuable(case=target)
    else:
        target = (
            Complaint.objects.select_for_update(of=("self",))
            .select_related("institution")
            .get(pk=complaint.pk)
        )
        field, label, agent = "complaint", f"投诉 {target.number}", None
        refusal = "只能对办理中且已超期或当前环节临近期限的投诉督办"
        issuable = complaint_issuable(complaint=target)
    if not institution_in_scope(by, target.institution):
        raise NotInScope(target=target)
    requirement = _clean_text("督办要求", "requirement", requirement)
    problem = rules.limit_problem(limit_days)
    if problem:
        raise ServiceError("invalid", problem, field="limit_days")
    if not issuable:
        raise ServiceError("not_allowed", refusal, field=field)
    noun = "办件" if field == "case" else "投诉"
    duplicate = f"该{noun}已有未办结的督办单，请在原督办单上跟进"
    if Order.objects.filter(**{field: target}).exclude(state=Order.State.CLOSED).exists():
        raise ServiceError("duplicate", duplicate, field=field)
    today = clock.today()
    order = Order(
        institution=target.institution,
        agent=agent,
        requirement=requirement,
        limit_days=limit_days,
        issued_by=by,
        due_date=clock.due_after(today, limit_days),
        **{field: target},
    )
    try:
        with transaction.atomic():
            order.save()
    except IntegrityError:
        raise ServiceError("duplicate", duplicate, field=field) from None
    _event(order, by, OrderEvent.Type.ISSUE, requirement)
    _audit(
        by,
        "issue",
        order,
        {
            "state": {"before": None, "after": order.state},
            "due_date": {"before": None, "after": str(order.due_date)},
        },
        note=label,
    )
    _case_line(order, by, "issue", f"签发督办单 {order.pk}，答复期限 {order.due_date}：{requirement}")
    return order


@transaction.atomic
def order_answer(*, order: Order, by, reply: str, actions_taken: str = "") -> Order:
    """答复: the handler says what was done; the order waits for the supervisor's evaluation."""
    order = _lock(order)
    if not may_answer(order=order, by=by):
        if not institution_in_scope(by, order.institution):
            raise NotInScope(target=order)
        require_cap(by, answer_cap(order), "您的角色不能答复督办单")
        raise ServiceError("not_allowed", "签发人不能答复自己签发的督办单")
    to = _transition(order, "answer")
    reply = _clean_text("答复内容", "reply", reply)
    actions_taken = _clean_text("已采取的措施", "actions_taken", actions_taken, required=False)
    before = order.state
    order.state, order.reply, order.actions_taken = to, reply, actions_taken
    order.answered_by, order.answered_at = by, timezone.now()
    order.version += 1
    order.save()
    _event(order, by, OrderEvent.Type.ANSWER, f"{reply}\n措施：{actions_taken}" if actions_taken else reply)
    _audit(by, "answer", order, {"state": {"before": before, "after": to}}, note=reply)
    _case_line(order, by, "answer", f"答复督办单 {order.pk}：{reply}")
    return order


@transaction.atomic
def order_close(
    *, order: Order, by, satisfied: bool, comment: str = "", limit_days: int | None = None
) -> Order:
    """评价: 满意 closes the order; 不满意 (a comment required) sends it back for another answer due
    `limit_days` (default: the order's limit) working days from today, and a new escalation round."""
    order = _lock(order)
    if not may_evaluate(order=order, by=by):
        if not institution_in_scope(by, order.institution):
            raise NotInScope(target=order)
        require_cap(by, Cap.SUPERVISION_ISSUE, "您的角色不能评价督办单")
    if not isinstance(satisfied, bool):
        raise ServiceError("invalid", "「评价」只能是满意或不满意", field="satisfied")
    action = "close" if satisfied else "reopen"
    to = _transition(order, action)
    comment = _clean_text("评价意见", "comment", comment, required=not satisfied)
    days = order.limit_days if limit_days is None else limit_days
    problem = None if satisfied else rules.limit_problem(days)
    if problem:
        raise ServiceError("invalid", problem, field="limit_days")
    before = order.state
    changes: dict = {"state": {"before": before, "after": to}}
    order.state, order.satisfied, order.close_comment = to, satisfied, comment
    if satisfied:
        order.closed_by, order.closed_at = by, timezone.now()
    else:
        new_due = clock.due_after(clock.today(), days)
        changes["due_date"] = {"before": str(order.due_date), "after": str(new_due)}
        order.due_date, order.limit_days = new_due, days
        order.rounds += 1
        order.escalated_at = None  # a new round: escalated again if this answer is late too
    order.version += 1
    order.save()
    _event(order, by, OrderEvent.Type.CLOSE if satisfied else OrderEvent.Type.REOPEN, comment)
    _audit(by, action, order, changes, note=comment)
    if satisfied:
        line = f"督办单 {order.pk} 满意办结" + (f"：{comment}" if comment else "")
    else:
        line = f"督办单 {order.pk} 不满意退回，新答复期限 {order.due_date}：{comment}"
    _case_line(order, by, action, line)
    return order


def order_escalate_overdue(*, today: date | None = None) -> int:
    """Mark every pending order past its limit as escalated, once each (a conditional update per
    order, so two runs at once or one after another escalate it once). Returns how many were marked.
    The coordinators above the handling institution see them in their list and on the 工作台."""
    today = today or clock.today()
    ids = list(
        Order.objects.filter(state=Order.State.PENDING, due_date__lt=today, escalated_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    marked = 0
    for pk in ids:
        with transaction.atomic():
            now = timezone.now()
            n = Order.objects.filter(
                pk=pk, state=Order.State.PENDING, due_date__lt=today, escalated_at__isnull=True
            ).update(escalated_at=now)
            if not n:
                continue
            order = Order.objects.select_related("institution", "case").get(pk=pk)
            _event(
                order, None, OrderEvent.Type.ESCALATE, f"超过答复期限 {order.due_date} 未答复，已升级至协调员"
            )
            _audit(
                None,
                "escalate",
                order,
                {"escalated_at": {"before": None, "after": now.isoformat()}},
                note=f"答复期限 {order.due_date}",
            )
            _case_line(
                order,
                None,
                "escalate",
                f"督办单 {order.pk} 超过答复期限 {order.due_date} 未答复，已升级至协调员",
            )
            marked += 1
    return marked
