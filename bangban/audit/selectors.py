from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from bangban.accounts.models import User
from bangban.accounts.permissions import require_cap
from bangban.accounts.roles import Cap, Role
from bangban.audit.actions import ACTION_LABELS
from bangban.audit.models import AuditEvent
from bangban.org.selectors import institutions_in_scope, scope_q, scope_root_path


def _day_start(d: date) -> datetime:
    return timezone.make_aware(datetime.combine(d, time.min))


def actions_matching(action: str) -> list[str]:
    """The registered action codes `action` names: itself if it is one, else those it begins."""
    if action in ACTION_LABELS:
        return [action]
    return sorted(code for code in ACTION_LABELS if code.startswith(action))


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
    """Audit rows in the user's scope matching the filters (unordered: audit.paging orders and pages).

    Rows with no institution (e.g. a failed login under an unknown name) are visible to
    system administrators at the top of the tree only.

    Each filter is one an index serves together with the time order (audit.models Meta.indexes):
    `actor` is a username (exact: that account's rows) or else the beginning of the name recorded on
    the row; `action` a registered code or the beginning of some (the codes it names); `institution_id`
    an institution in scope and everything below it; dates are local days, both inclusive. `text`
    (object description or note containing it, or the source IP) reads every row left by the other
    filters: callers bound it (audit.forms allows it within one day only).
    """
    require_cap(user, Cap.AUDIT_VIEW, "您的角色无权查看审计日志")
    in_scope = scope_q(user)
    top_admin = Role.SYSADMIN in user.role_codes and user.institution and user.institution.parent_id is None
    if scope_root_path(user) == "" or top_admin:
        in_scope |= Q(institution__isnull=True)
    qs = AuditEvent.objects.select_related("institution").filter(in_scope)
    if actor:
        account = User.objects.filter(username=actor).values_list("pk", flat=True).first()
        qs = qs.filter(actor_id=account) if account is not None else qs.filter(actor_name__startswith=actor)
    if action:
        qs = qs.filter(action__in=actions_matching(action))
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if institution_id is not None:
        institution = institutions_in_scope(user).filter(pk=institution_id).first()
        if institution is None:
            return qs.none()
        # The subtree as ids: for one institution (a station) `IN (id)` is an equality the
        # (institution, at) index serves in time order (PostgreSQL reads a one-value IN as =); a path
        # condition would leave the database a join to filter through.
        subtree = list(
            institutions_in_scope(user).filter(path__startswith=institution.path).values_list("pk", flat=True)
        )
        qs = qs.filter(institution_id__in=subtree)
    if date_from:
        qs = qs.filter(at__gte=_day_start(date_from))
    if date_to:
        qs = qs.filter(at__lt=_day_start(date_to + timedelta(days=1)))
    if text:
        match = Q(object_repr__icontains=text) | Q(note__icontains=text)
        qs = qs.filter(match | Q(ip=text) if _is_ip(text) else match)
    return qs


def _is_ip(text: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
