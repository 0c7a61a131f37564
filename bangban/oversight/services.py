"""Every change to a 督办单.

Each service is one transaction: it locks the order (or the case, when issuing), checks the actor's
capability and scope and the state table (oversight.rules), writes the change, one OrderEvent and
one audit row. A refused action changes nothing.
"""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from bangban.accounts.permissions import has_cap, require_cap
from bangban.accounts.roles import Cap
from bangban.audit.services import audit_record
from bangban.cases import clock
from bangban.cases.models import Case
from bangban.core.errors import NotInScope, ServiceError
from bangban.org.selectors import institution_in_scope
from bangban.oversight import rules
from bangban.oversight.models import Order, OrderEvent


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
        Order.objects.select_for_update(of=("self",)).select_related("institution", "case").get(pk=order.pk)
    )


def _transition(order: Order, action: str) -> str:
    to = rules.target(action, order.state)
    if to is None:
        raise ServiceError(
            "not_allowed",
            f"督办单当前状态为「{order.get_state_display()}」，不能{rules.ACTION_LABELS[action]}",
        )
    return to


def may_answer(*, order: Order, by) -> bool:
    """The handler of the target: CASE_HANDLE (COMPLAINT_HANDLE for complaints) over its institution."""
    return has_cap(by, Cap.CASE_HANDLE) and institution_in_scope(by, order.institution)


def may_evaluate(*, order: Order, by) -> bool:
    return has_cap(by, Cap.SUPERVISION_ISSUE) and institution_in_scope(by, order.institution)


def case_issuable(*, case: Case, on: date | None = None) -> bool:
    return rules.issuable(clock.light(case, on), case.is_open)


@transaction.atomic
def order_issue(*, by, case: Case, requirement: str, limit_days: int = rules.DEFAULT_LIMIT_DAYS) -> Order:
    """签发督办单 on an open case whose light is red or yellow, addressed to its handling institution
    and agent, due `limit_days` working days after today. At most one open order per case."""
    require_cap(by, Cap.SUPERVISION_ISSUE, "您的角色不能签发督办单")
    case = Case.objects.select_for_update(of=("self",)).select_related("institution").get(pk=case.pk)
    if not institution_in_scope(by, case.institution):
        raise NotInScope(target=case)
    requirement = _clean_text("督办要求", "requirement", requirement)
    problem = rules.limit_problem(limit_days)
    if problem:
        raise ServiceError("invalid", problem, field="limit_days")
    if not case_issuable(case=case):
        raise ServiceError(
            "not_allowed", "只能对未办结且已超期（红灯）或临近期限（黄灯）的办件督办", field="case"
        )
    if Order.objects.filter(case=case).exclude(state=Order.State.CLOSED).exists():
        raise ServiceError("duplicate", "该办件已有未办结的督办单，请在原督办单上跟进", field="case")
    today = clock.today()
    order = Order(
        case=case,
        institution=case.institution,
        agent=case.agent,
        requirement=requirement,
        limit_days=limit_days,
        issued_by=by,
        due_date=clock.due_after(today, limit_days),
    )
    try:
        with transaction.atomic():
            order.save()
    except IntegrityError:
        raise ServiceError(
            "duplicate", "该办件已有未办结的督办单，请在原督办单上跟进", field="case"
        ) from None
    _event(order, by, OrderEvent.Type.ISSUE, requirement)
    _audit(
        by,
        "issue",
        order,
        {
            "state": {"before": None, "after": order.state},
            "due_date": {"before": None, "after": str(order.due_date)},
        },
        note=f"办件 {case.number}",
    )
    return order


@transaction.atomic
def order_answer(*, order: Order, by, reply: str, actions_taken: str = "") -> Order:
    """答复: the handler says what was done; the order waits for the supervisor's evaluation."""
    order = _lock(order)
    if not may_answer(order=order, by=by):
        if not institution_in_scope(by, order.institution):
            raise NotInScope(target=order)
        require_cap(by, Cap.CASE_HANDLE, "您的角色不能答复督办单")
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
            order = Order.objects.select_related("institution").get(pk=pk)
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
            marked += 1
    return marked
