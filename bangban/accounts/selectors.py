from __future__ import annotations

from django.db.models import Q, QuerySet

from bangban.accounts.models import User
from bangban.accounts.permissions import require_cap
from bangban.accounts.roles import Cap
from bangban.org.selectors import get_in_scope, scope_q


def staff_list(
    *, user, search: str = "", institution_id=None, role: str = "", active: bool | None = None
) -> QuerySet[User]:
    """Staff of the user's institution and those below it."""
    require_cap(user, Cap.STAFF_VIEW, "您的角色无权查看工作人员")
    qs = (
        User.objects.filter(scope_q(user))
        .select_related("institution", "department")
        .prefetch_related("role_assignments")
    )
    if search:
        qs = qs.filter(Q(full_name__icontains=search) | Q(username__icontains=search) | Q(phone=search))
    if institution_id:
        qs = qs.filter(institution_id=institution_id)
    if role:
        qs = qs.filter(role_assignments__role=role)
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs.order_by("institution__path", "username")


def staff_get(*, user, pk) -> User:
    require_cap(user, Cap.STAFF_VIEW, "您的角色无权查看工作人员")
    return get_in_scope(User.objects.select_related("institution", "department"), user, pk)
