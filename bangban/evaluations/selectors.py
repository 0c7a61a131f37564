"""Reads of 好差评, scoped by the user's institution (org.selectors) once, here."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, F, OuterRef, Q, QuerySet

from bangban.accounts.permissions import has_cap
from bangban.accounts.roles import Cap
from bangban.core.errors import AccessRefused
from bangban.evaluations import rules
from bangban.evaluations.models import Appeal, Rectification, RectStatus, Review
from bangban.org.selectors import get_in_scope, scope_q

READER_CAPS = (Cap.REVIEW_HANDLE, Cap.REVIEW_DECIDE, Cap.SUPERVISION_VIEW)
OPEN_RECT = (RectStatus.PENDING, RectStatus.RECTIFYING)  # the limit still runs


def can_read(user) -> bool:
    return any(has_cap(user, c) for c in READER_CAPS)


def _require_reader(user) -> None:
    if not can_read(user):
        raise AccessRefused("capability_required", "您的角色无权查看评价")


def upheld_q(prefix: str = "") -> Q:
    """Reviews removed from the figures by an upheld 申诉 (the review row itself is never changed)."""
    return Q(**{f"{prefix}appeal__state": Appeal.State.UPHELD})


def review_list(
    *,
    user,
    institution: int | None = None,
    agent: int | None = None,
    level: int | None = None,
    case: int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[Review]:
    _require_reader(user)
    qs = Review.objects.filter(scope_q(user)).select_related(
        "institution", "agent", "case", "appeal", "rectification"
    )
    if institution:
        qs = qs.filter(institution_id=institution)
    if agent:
        qs = qs.filter(agent_id=agent)
    if level:
        qs = qs.filter(level=level)
    if case:
        qs = qs.filter(case_id=case)
    if date_from:
        qs = qs.filter(created_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(created_at__date__lte=date_to)
    return qs.annotate(
        excluded=Exists(Appeal.objects.filter(review=OuterRef("pk"), state=Appeal.State.UPHELD))
    )


def review_get(*, user, pk) -> Review:
    _require_reader(user)
    return get_in_scope(Review.objects.select_related("institution", "agent", "case", "entered_by"), user, pk)


def reviews_of_case(*, user, case) -> list[Review]:
    """The case page's 评价 section: what it shows of each review (and its 差评整改)."""
    if not can_read(user):
        return []
    return list(
        review_list(user=user)
        .filter(case=case)
        .select_related(None)
        .select_related("rectification")
        .only(
            "id",
            "level",
            "stage",
            "channel",
            "follow_up_of_id",
            "created_at",
            "rectification__id",
            "rectification__status",
        )
    )


def rectification_list(*, user, status: str = "", late: bool = False, today: dt.date | None = None):
    _require_reader(user)
    qs = Rectification.objects.filter(scope_q(user)).select_related("institution", "agent", "review")
    if status:
        qs = qs.filter(status=status)
    if late and today is not None:
        qs = qs.filter(
            Q(status__in=OPEN_RECT, due_date__lt=today)
            | Q(rectified_on__isnull=False, rectified_on__gt=F("due_date"))
        )
    return qs


def rectification_get(*, user, pk) -> Rectification:
    _require_reader(user)
    return get_in_scope(
        Rectification.objects.select_related("institution", "agent", "review", "review__case"), user, pk
    )


def is_late(rect: Rectification, today: dt.date) -> bool:
    return rules.is_late(due=rect.due_date, today=today, rectified_on=rect.rectified_on)


def appeal_upheld(review: Review) -> bool:
    try:
        appeal = review.appeal
    except Appeal.DoesNotExist:
        return False
    return appeal is not None and appeal.state == Appeal.State.UPHELD


def open_rectifications_count(*, user) -> int:
    if not has_cap(user, Cap.REVIEW_HANDLE):
        return 0
    return Rectification.objects.filter(scope_q(user), status__in=OPEN_RECT).count()


def first_item_ids(case_ids) -> dict[int, int]:
    """{case id: its first catalog Item id} in one query (for the indicator classifier's item_id;
    cases without items are absent: use 0)."""
    from bangban.cases.models import CaseItem

    out: dict[int, int] = {}
    rows = (
        CaseItem.objects.filter(case_id__in=[c for c in set(case_ids) if c])
        .order_by("case_id", "id")
        .values_list("case_id", "item_version__item_id")
    )
    for case_id, item_id in rows:
        out.setdefault(case_id, item_id)
    return out
