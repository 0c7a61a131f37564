"""Reads of emergency records, scoped by institution. Readers: managers (TRAINING_MANAGE),
supervisors (SUPERVISION_VIEW) and the staff of the institution and those above it (CASE_HANDLE)."""

from __future__ import annotations

from django.db.models import QuerySet

from bangban.accounts.permissions import has_cap
from bangban.accounts.roles import Cap
from bangban.core.errors import AccessRefused
from bangban.emergencies.models import Drill, Incident, Plan
from bangban.org.selectors import get_in_scope, scope_q

READER_CAPS = (Cap.TRAINING_MANAGE, Cap.SUPERVISION_VIEW, Cap.CASE_HANDLE)


def require_reader(user) -> None:
    if not any(has_cap(user, c) for c in READER_CAPS):
        raise AccessRefused("capability_required", "您的角色无权查看应急管理记录")


def plan_list(*, user, current_only: bool = True, type: str = "") -> QuerySet[Plan]:
    require_reader(user)
    qs = Plan.objects.filter(scope_q(user)).select_related("institution", "created_by")
    if current_only:
        qs = qs.filter(is_current=True)
    if type:
        qs = qs.filter(type=type)
    return qs.order_by("institution__path", "type", "-version")


def plan_get(*, user, pk) -> Plan:
    require_reader(user)
    return get_in_scope(Plan.objects.select_related("institution", "created_by"), user, pk)


def plan_versions(plan: Plan) -> QuerySet[Plan]:
    return Plan.objects.filter(institution=plan.institution, type=plan.type).order_by("-version")


def drill_list(*, user, plan: Plan | None = None) -> QuerySet[Drill]:
    require_reader(user)
    qs = Drill.objects.filter(scope_q(user)).select_related("plan", "institution")
    if plan is not None:
        qs = qs.filter(plan__institution=plan.institution, plan__type=plan.type)
    return qs.order_by("-held_on", "-id")


def incident_list(*, user) -> QuerySet[Incident]:
    require_reader(user)
    return Incident.objects.filter(scope_q(user)).select_related("institution").order_by("-started_at", "-id")


def incident_get(*, user, pk) -> Incident:
    require_reader(user)
    return get_in_scope(Incident.objects.select_related("institution"), user, pk)
