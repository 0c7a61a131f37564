"""Reads of 督办单, scoped by the handling institution (org.selectors.scope_q)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from bangban.accounts.permissions import has_cap
from bangban.accounts.roles import Cap
from bangban.cases import clock
from bangban.core.errors import AccessRefused
from bangban.org.selectors import get_in_scope, scope_q
from bangban.oversight.models import Order

READER_CAPS = (
    Cap.SUPERVISION_ISSUE,
    Cap.SUPERVISION_VIEW,
    Cap.CASE_HANDLE,
    Cap.CASE_COORDINATE,
    Cap.COMPLAINT_HANDLE,
)
# Who reads orders on complaints: those who read every complaint of their scope (the complaints app
# shows a case handler only the complaints they registered; a complaint may be about them).
COMPLAINT_ORDER_READERS = (Cap.COMPLAINT_HANDLE, Cap.SUPERVISION_VIEW, Cap.SUPERVISION_ISSUE)
BOXES = {"mine": "待我答复", "issued": "我签发的", "escalated": "逾期升级", "all": "全部"}


def can_read(user) -> bool:
    return any(has_cap(user, c) for c in READER_CAPS)


def require_reader(user) -> None:
    if not can_read(user):
        raise AccessRefused("capability_required", "您的角色无权查看督办单")


def visible_q(user) -> Q:
    """The orders of the user's scope they may read: complaint orders only for complaint readers."""
    q = scope_q(user)
    if not any(has_cap(user, c) for c in COMPLAINT_ORDER_READERS):
        q &= Q(complaint__isnull=True)
    return q


def _base(user) -> QuerySet[Order]:
    require_reader(user)
    return Order.objects.filter(visible_q(user)).select_related(
        "institution", "case", "complaint", "agent", "issued_by"
    )


def answerable_q(user) -> Q | None:
    """Orders whose target's handler the user is (by capability; scope is applied by the caller):
    case orders for CASE_HANDLE, complaint orders for COMPLAINT_HANDLE. None when neither."""
    q = None
    if has_cap(user, Cap.CASE_HANDLE):
        q = Q(case__isnull=False)
    if has_cap(user, Cap.COMPLAINT_HANDLE):
        q = Q(complaint__isnull=False) if q is None else q | Q(complaint__isnull=False)
    return q


def order_list(*, user, box: str = "all", state: str = "", late: bool = False) -> QuerySet[Order]:
    """Orders in scope. box: mine (pending, on targets whose handler I am), issued (by me), escalated (late and
    escalated: the coordinators' list), all. `late`: pending past the due date."""
    qs = _base(user)
    if box == "mine":
        mine = answerable_q(user)
        qs = (
            qs.filter(mine, state=Order.State.PENDING).exclude(issued_by=user)
            if mine is not None
            else qs.none()
        )
    elif box == "issued":
        qs = qs.filter(issued_by=user)
    elif box == "escalated":
        qs = qs.filter(state=Order.State.PENDING, escalated_at__isnull=False)
    if state in Order.State.values:
        qs = qs.filter(state=state)
    if late:
        qs = qs.filter(state=Order.State.PENDING, due_date__lt=clock.today())
    return qs.order_by("state", "due_date", "-id")


def order_get(*, user, pk) -> Order:
    require_reader(user)
    return get_in_scope(
        Order.objects.filter(visible_q(user)).select_related(
            "institution", "case", "complaint", "agent", "issued_by", "answered_by", "closed_by"
        ),
        user,
        pk,
    )


def orders_of_case(*, user, case) -> QuerySet[Order]:
    """The case page's 督办 section: each order's link, state and reply date (and whether it is late)."""
    if not can_read(user):
        return Order.objects.none()
    return Order.objects.filter(scope_q(user), case=case).only("id", "state", "due_date").order_by("-id")


def orders_of_complaint(*, user, complaint) -> QuerySet[Order]:
    if not can_read(user):
        return Order.objects.none()
    return (
        Order.objects.filter(visible_q(user), complaint=complaint).select_related("issued_by").order_by("-id")
    )


def pending_querysets(*, user) -> dict[str, QuerySet[Order]]:
    """工作台 counts (as querysets; the 工作台 counts them bounded): pending orders I may answer and
    the late ones among them, escalated orders for coordinators, answers waiting for my evaluation."""
    if not can_read(user):
        return {}
    qs = Order.objects.filter(visible_q(user))
    out: dict[str, QuerySet[Order]] = {}
    mine = answerable_q(user)
    if mine is not None:
        pending = qs.filter(mine, state=Order.State.PENDING).exclude(issued_by=user)
        out["mine"] = pending
        out["mine_late"] = pending.filter(due_date__lt=clock.today())
    if has_cap(user, Cap.CASE_COORDINATE):
        out["escalated"] = qs.filter(state=Order.State.PENDING, escalated_at__isnull=False)
    if has_cap(user, Cap.SUPERVISION_ISSUE):
        out["to_evaluate"] = qs.filter(state=Order.State.ANSWERED)
    return out


def pending_counts(*, user) -> dict[str, int]:
    return {key: qs.count() for key, qs in pending_querysets(user=user).items()}
