"""Every change to training records: one transaction, checked capability and scope, one audit row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction

from bangban.accounts.models import User
from bangban.accounts.permissions import require_cap
from bangban.accounts.roles import Cap
from bangban.audit.services import audit_record
from bangban.core.errors import NotInScope, ServiceError
from bangban.org.models import Institution
from bangban.org.selectors import institution_in_scope
from bangban.training import rules
from bangban.training.models import Attendance, Course, Session


def _require_manager(by, institution: Institution) -> None:
    require_cap(by, Cap.TRAINING_MANAGE, "您的角色不能管理培训")
    if not institution_in_scope(by, institution):
        raise NotInScope(target=institution)


def _text(label: str, field: str, value: str, limit: int, *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ServiceError("required", f"「{label}」不能为空", field=field)
    if len(value) > limit:
        raise ServiceError("invalid", f"「{label}」不能超过 {limit} 字", field=field)
    return value


def _hours(value, field: str, *, label: str = "学时", ceiling: Decimal = rules.MAX_HOURS) -> Decimal:
    problem = rules.hours_problem(value, label=label, ceiling=ceiling)
    if problem:
        raise ServiceError("invalid", problem, field=field)
    return Decimal(str(value)).quantize(Decimal("0.1"))


def _audit(by, action: str, target, institution, changes: dict, note: str = "") -> None:
    audit_record(
        actor=by,
        action=f"training.{action}",
        target=target,
        institution=institution,
        changes=changes,
        note=note,
    )


@transaction.atomic
def course_create(*, by, institution: Institution, title: str, hours, summary: str = "") -> Course:
    """A course organized by `institution` (in the manager's scope)."""
    _require_manager(by, institution)
    course = Course(
        institution=institution,
        title=_text("培训主题", "title", title, rules.TITLE_MAX),
        summary=_text("培训内容", "summary", summary, rules.SUMMARY_MAX, required=False),
        hours=_hours(hours, "hours"),
        created_by=by,
    )
    if course.hours <= 0:
        raise ServiceError("invalid", "「学时」须大于 0", field="hours")
    course.save()
    _audit(by, "course.create", course, institution, {"title": {"before": None, "after": course.title}})
    return course


@dataclass(frozen=True)
class AttendeeInput:
    user: User
    attended: bool = True
    hours: Decimal | None = None  # None: the course's hours when attended, 0 otherwise
    score: int | None = None


def _attendee_values(session: Session, a: AttendeeInput, by) -> dict:
    if not institution_in_scope(by, a.user.institution) or not a.user.is_active:
        raise ServiceError(
            "invalid", f"参训人员「{a.user.display_name}」不在您的管理范围内", field="attendees"
        )
    if a.hours is None:
        hours = session.course.hours if a.attended else Decimal("0")
    else:
        hours = _hours(a.hours, "hours", label="认定学时", ceiling=session.course.hours)
    if not a.attended and hours:
        raise ServiceError("invalid", "未参训人员不能认定学时", field="hours")
    problem = rules.score_problem(a.score)
    if problem:
        raise ServiceError("invalid", problem, field="score")
    return {"attended": a.attended, "hours": hours, "score": a.score}


@transaction.atomic
def session_create(
    *, by, course: Course, held_on: date, place: str, trainer: str, attendees: list[AttendeeInput] = ()
) -> Session:
    """A session of `course` with its attendees (staff in the manager's scope, each once)."""
    _require_manager(by, course.institution)
    if not isinstance(held_on, date):
        raise ServiceError("invalid", "「培训日期」须为日期", field="held_on")
    session = Session(
        course=course,
        institution=course.institution,
        held_on=held_on,
        place=_text("培训地点", "place", place, rules.PLACE_MAX),
        trainer=_text("授课人", "trainer", trainer, rules.TRAINER_MAX),
        created_by=by,
    )
    seen = set()
    rows = []
    for a in attendees:
        if a.user.pk in seen:
            raise ServiceError("duplicate", f"参训人员「{a.user.display_name}」重复", field="attendees")
        seen.add(a.user.pk)
        rows.append((a.user, _attendee_values(session, a, by)))
    session.save()
    Attendance.objects.bulk_create([Attendance(session=session, user=u, **v) for u, v in rows])
    _audit(
        by,
        "session.create",
        session,
        course.institution,
        {
            "held_on": {"before": None, "after": str(held_on)},
            "attendees": {"before": None, "after": len(rows)},
        },
        note=course.title,
    )
    return session


@transaction.atomic
def attendance_record(
    *, by, session: Session, user: User, attended: bool, hours=None, score: int | None = None
) -> Attendance:
    """Add an attendee to a session or correct one (attended, hours credited, exam score). Concurrent
    calls for one person and session end in one row (row lock on the session, unique constraint)."""
    session = (
        Session.objects.select_for_update(of=("self",))
        .select_related("course", "institution")
        .get(pk=session.pk)
    )
    _require_manager(by, session.institution)
    values = _attendee_values(session, AttendeeInput(user, attended, hours, score), by)
    row = Attendance.objects.filter(session=session, user=user).first()
    before = {"attended": row.attended, "hours": str(row.hours), "score": row.score} if row else {}
    row, _ = Attendance.objects.update_or_create(session=session, user=user, defaults=values)
    after = {"attended": row.attended, "hours": str(row.hours), "score": row.score}
    changes = {k: {"before": before.get(k), "after": v} for k, v in after.items() if before.get(k) != v}
    _audit(by, "attendance.record", row, session.institution, changes, note=user.display_name)
    return row
