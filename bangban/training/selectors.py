"""Reads of training records. Managers (TRAINING_MANAGE / SUPERVISION_VIEW) see courses and sessions
organized in their scope and the records of staff in their scope; every agent sees their own record."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Q, QuerySet, Sum

from bangban.accounts.models import User
from bangban.accounts.permissions import has_cap
from bangban.accounts.roles import Cap
from bangban.core.errors import AccessRefused, NotInScope
from bangban.core.routing import parse_id
from bangban.org.selectors import get_in_scope, institution_in_scope, scope_q
from bangban.training import rules
from bangban.training.models import Attendance, Course, Session

MANAGER_CAPS = (Cap.TRAINING_MANAGE, Cap.SUPERVISION_VIEW)


def is_manager(user) -> bool:
    return any(has_cap(user, c) for c in MANAGER_CAPS)


def require_manager(user) -> None:
    if not is_manager(user):
        raise AccessRefused("capability_required", "您的角色无权查看培训台账")


def course_list(*, user) -> QuerySet[Course]:
    require_manager(user)
    return (
        Course.objects.filter(scope_q(user))
        .select_related("institution")
        .annotate(session_count=Count("sessions"))
        .order_by("-created_at", "-id")
    )


def course_get(*, user, pk) -> Course:
    require_manager(user)
    return get_in_scope(Course.objects.select_related("institution"), user, pk)


def session_list(
    *, user, start: date | None = None, end: date | None = None, course=None
) -> QuerySet[Session]:
    require_manager(user)
    qs = Session.objects.filter(scope_q(user)).select_related("course", "institution")
    if start:
        qs = qs.filter(held_on__gte=start)
    if end:
        qs = qs.filter(held_on__lte=end)
    if course is not None:
        qs = qs.filter(course=course)
    return qs.annotate(attendee_count=Count("attendances")).order_by("-held_on", "-id")


def session_get(*, user, pk) -> Session:
    require_manager(user)
    return get_in_scope(Session.objects.select_related("course", "institution"), user, pk)


def session_attendances(session: Session) -> QuerySet[Attendance]:
    return session.attendances.select_related("user", "user__institution").order_by("user__username")


def staff_in_scope(*, user) -> QuerySet[User]:
    """Active staff a manager may enrol."""
    return (
        User.objects.filter(scope_q(user), is_active=True).select_related("institution").order_by("username")
    )


def record_owner(*, user, pk) -> User:
    """The staff member whose record `user` asks for: themselves, or (managers) staff in scope."""
    if parse_id(str(pk)) is None:
        raise NotInScope()
    if str(user.pk) == str(pk):
        return user
    require_manager(user)
    return get_in_scope(User.objects.select_related("institution"), user, pk)


def staff_record(*, owner: User, year: int) -> dict:
    """An agent's training record: every session attended or enrolled in, and the year's totals
    (rules.year_totals). Every session is listed whoever organized it: the record belongs to the person."""
    rows = list(
        Attendance.objects.filter(user=owner)
        .select_related("session", "session__course", "session__institution")
        .order_by("-session__held_on", "-id")
    )
    entries = [rules.Entry(r.session.held_on, r.attended, r.hours, r.score) for r in rows]
    return {"owner": owner, "rows": rows, "year": year, "totals": rules.year_totals(entries, year)}


def ledger_rows(*, user, start: date, end: date) -> QuerySet[Attendance]:
    """The training ledger of a period: every attendance of sessions organized in scope, or of staff
    in scope at sessions organized above (a town's agents at the county's course)."""
    require_manager(user)
    in_scope = scope_q(user, "session__institution") | scope_q(user, "user__institution")
    return (
        Attendance.objects.filter(in_scope, session__held_on__gte=start, session__held_on__lte=end)
        .select_related("session", "session__course", "session__institution", "user", "user__institution")
        .order_by("session__held_on", "session_id", "user__username")
    )


def may_see_record(*, user, owner: User) -> bool:
    return user.pk == owner.pk or (is_manager(user) and institution_in_scope(user, owner.institution))


def staff_overview(*, user, year: int) -> QuerySet[User]:
    """Staff in the manager's scope with the year's attended sessions and credited hours (the same
    rule as rules.year_totals: attended sessions only), fewest hours first."""
    require_manager(user)
    attended = Q(trainings__attended=True, trainings__session__held_on__year=year)
    return (
        staff_in_scope(user=user)
        .annotate(
            year_hours=Sum("trainings__hours", filter=attended, default=0),
            year_sessions=Count("trainings", filter=attended),
        )
        .order_by("year_hours", "username")
    )
