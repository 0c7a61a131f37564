from __future__ import annotations

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from bangban.accounts.models import ApiToken, LoginFailure, User
from bangban.accounts.permissions import require_cap
from bangban.accounts.roles import Cap
from bangban.accounts.services import account_manage_check
from bangban.core.errors import AccessRefused, NotInScope
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
    return qs.annotate(_locked_until=_locked_until()).order_by("institution__path", "username")


def _locked_until():
    """The latest running lockout of the account (from any client), as a subquery."""
    return Subquery(
        LoginFailure.objects.filter(username=OuterRef("username"), locked_until__gt=timezone.now())
        .order_by("-locked_until")
        .values("locked_until")[:1]
    )


def locked_staff(*, user) -> QuerySet[User]:
    """Staff in scope locked out from at least one client address."""
    return staff_list(user=user).filter(
        username__in=LoginFailure.objects.filter(locked_until__gt=timezone.now()).values("username")
    )


def token_list(*, by, owner) -> QuerySet[ApiToken]:
    """`owner`'s API tokens: for the owner, or for whoever may manage the account."""
    if by.pk != owner.pk:
        account_manage_check(by=by, user=owner)
    return ApiToken.objects.filter(owner=owner).select_related("issued_by", "revoked_by")


BIGINT_MAX = 2**63 - 1


def token_get(*, by, pk) -> ApiToken:
    if not str(pk).isdigit() or int(pk) > BIGINT_MAX:
        raise NotInScope()
    token = ApiToken.objects.select_related("owner__institution").filter(pk=int(pk)).first()
    if token is None:
        raise NotInScope()
    if token.owner_id != by.pk:
        try:
            account_manage_check(by=by, user=token.owner)
        except AccessRefused:
            raise NotInScope(target=token.owner) from None
    return token


def staff_get(*, user, pk) -> User:
    require_cap(user, Cap.STAFF_VIEW, "您的角色无权查看工作人员")
    return get_in_scope(User.objects.select_related("institution", "department"), user, pk)
