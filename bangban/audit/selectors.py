from __future__ import annotations

from datetime import date, datetime, time

from django.db.models import Q, QuerySet
from django.utils import timezone

from bangban.accounts.permissions import require_cap
from bangban.accounts.roles import Cap, Role
from bangban.audit.models import AuditEvent
from bangban.org.selectors import scope_q, scope_root_path


def _day_start(d: date) -> datetime:
    return timezone.make_aware(datetime.combine(d, time.min))


def audit_list(
    *,
    user,
    actor: str = "",
    action: str = "",
    object_type: str = "",
    object_id: str = "",
    institution_id: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    text: str = "",
) -> QuerySet[AuditEvent]:
    """Audit rows in the user's scope, newest first.

    Rows with no institution (e.g. a failed login under an unknown name) are visible to
    system administrators at the top of the tree only.
    """
    require_cap(user, Cap.AUDIT_VIEW, "您的角色无权查看审计日志")
    in_scope = scope_q(user)
    top_admin = Role.SYSADMIN in user.role_codes and user.institution and user.institution.parent_id is None
    if scope_root_path(user) == "" or top_admin:
        in_scope |= Q(institution__isnull=True)
    qs = AuditEvent.objects.select_related("institution", "actor").filter(in_scope)
    if actor:
        qs = qs.filter(Q(actor_name__icontains=actor) | Q(actor__username=actor))
    if action:
        qs = qs.filter(action__startswith=action)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if institution_id:
        qs = qs.filter(institution_id=institution_id)
    if date_from:
        qs = qs.filter(at__gte=_day_start(date_from))
    if date_to:
        qs = qs.filter(at__lt=_day_start(date_to) + timezone.timedelta(days=1))
    if text:
        match = Q(object_repr__icontains=text) | Q(note__icontains=text)
        qs = qs.filter(match | Q(ip=text) if _is_ip(text) else match)
    return qs.order_by("-at", "-id")


def _is_ip(text: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
