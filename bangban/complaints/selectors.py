"""Reads of complaints and consultations, scoped by the user's institution (org.selectors).

Who reads complaints: complaint handlers and supervisors see every complaint under their institution;
someone who may only register them (a window agent) sees those they registered. Consultations: the
register's users (CONSULTATION_HANDLE) and supervisors, under their institution.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from bangban.accounts.permissions import has_cap
from bangban.accounts.roles import Cap
from bangban.complaints.models import OPEN_STATUSES, Complaint, Consultation
from bangban.core.errors import NotInScope
from bangban.org.models import Institution
from bangban.org.selectors import scope_q

COMPLAINT_READERS = (Cap.COMPLAINT_HANDLE, Cap.SUPERVISION_VIEW, Cap.CASE_HANDLE)
CONSULTATION_READERS = (Cap.CONSULTATION_HANDLE, Cap.SUPERVISION_VIEW)


def _complaints_visible(user) -> QuerySet[Complaint]:
    qs = Complaint.objects.select_related("institution", "case", "agent").filter(scope_q(user))
    if has_cap(user, Cap.COMPLAINT_HANDLE) or has_cap(user, Cap.SUPERVISION_VIEW):
        return qs
    if has_cap(user, Cap.CASE_HANDLE):
        return qs.filter(created_by=user)
    return qs.none()


def complaint_list(
    *,
    user,
    status: str = "",
    late: bool = False,
    channel: str = "",
    institution_id: int | None = None,
    case_id: int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    today: dt.date | None = None,
) -> QuerySet[Complaint]:
    """Complaints the user may see, newest first; `late`: open ones whose current step is past due."""
    qs = _complaints_visible(user)
    if status:
        qs = qs.filter(status=status)
    if late:
        qs = qs.filter(status__in=OPEN_STATUSES, step_due__lt=today or timezone.localdate())
    if channel:
        qs = qs.filter(channel=channel)
    if institution_id:  # that institution and everything below it (within the user's scope already)
        chosen = Institution.objects.filter(pk=institution_id).values_list("path", flat=True).first()
        qs = qs.filter(institution__path__startswith=chosen) if chosen else qs.none()
    if case_id:
        qs = qs.filter(case_id=case_id)
    if date_from:
        qs = qs.filter(received_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(received_at__date__lte=date_to)
    return qs.order_by("-received_at", "-id")


def complaint_get(*, user, pk) -> Complaint:
    """The complaint if the user may see it; NotInScope (shown as not found) otherwise."""
    found = _complaints_visible(user).filter(pk=pk).first() if isinstance(pk, int) else None
    if found is None:
        raise NotInScope(target=Complaint.objects.filter(pk=pk).first() if isinstance(pk, int) else None)
    return found


def complaint_steps(complaint: Complaint):
    return complaint.steps.order_by("at", "id")


def _consultations_visible(user) -> QuerySet[Consultation]:
    if not any(has_cap(user, cap) for cap in CONSULTATION_READERS):
        return Consultation.objects.none()
    return Consultation.objects.select_related("institution", "answered_by", "case").filter(scope_q(user))


def consultation_list(
    *, user, day: dt.date | None = None, unanswered: bool = False, channel: str = ""
) -> QuerySet[Consultation]:
    """Consultations in scope: unanswered ones first (earliest limit first), then the newest.
    `day`: asked that day (Asia/Shanghai)."""
    from django.db.models import BooleanField, Case, Value, When

    qs = _consultations_visible(user)
    if day:
        start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
        qs = qs.filter(asked_at__gte=start, asked_at__lt=start + dt.timedelta(days=1))
    if unanswered:
        qs = qs.filter(first_answered_at__isnull=True)
    if channel:
        qs = qs.filter(channel=channel)
    answered = Case(
        When(first_answered_at__isnull=True, then=Value(False)),
        default=Value(True),
        output_field=BooleanField(),
    )
    return qs.annotate(_answered=answered).order_by("_answered", "answer_due", "-asked_at", "-id")


def unanswered_consultations(*, user, limit: int = 50) -> list[Consultation]:
    return list(consultation_list(user=user, unanswered=True)[:limit])


def consultation_get(*, user, pk) -> Consultation:
    found = _consultations_visible(user).filter(pk=pk).first() if isinstance(pk, int) else None
    if found is None:
        raise NotInScope(target=Consultation.objects.filter(pk=pk).first() if isinstance(pk, int) else None)
    return found


def consultation_is_late(c: Consultation, today: dt.date | None = None) -> bool:
    """Red: not answered and its limit has passed."""
    return c.first_answered_at is None and (today or timezone.localdate()) > c.answer_due


def has_complaints_scope(user) -> bool:
    return any(has_cap(user, cap) for cap in COMPLAINT_READERS)
