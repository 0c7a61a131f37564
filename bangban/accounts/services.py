"""Staff accounts: login with lockout, passwords, and staff management within a scope.

Every write is one transaction with its audit row. The lockout state lives on the account
row and is changed under a row lock, so concurrent wrong passwords on several app servers
count exactly and cannot both reset the counter.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from bangban.accounts.models import RoleAssignment, User
from bangban.accounts.permissions import require_cap
from bangban.accounts.roles import Cap, Role, grantable_roles, role_conflicts, role_label
from bangban.audit.services import audit_record, created, diff, snapshot
from bangban.core.errors import AccessRefused, NotInScope, ServiceError
from bangban.core.ids import mobile_problem
from bangban.org.models import Department, Institution
from bangban.org.selectors import institution_in_scope

STAFF_FIELDS = ["username", "full_name", "phone", "email", "institution", "department", "is_active"]


# --- login -----------------------------------------------------------------------------------


def _lock_message(user: User) -> str:
    minutes = max(1, int((user.locked_until - timezone.now()).total_seconds() + 59) // 60)
    return f"连续登录失败次数过多，账号已锁定，请 {minutes} 分钟后再试或联系管理员解锁"


def login_attempt(*, username: str, password: str) -> User:
    """Check a password and apply the lockout policy.

    Returns the user on success (failure count reset, audit 'auth.login').
    Raises ServiceError 'locked' while locked (even with the right password),
    'invalid_credentials' otherwise; the N-th consecutive failure locks the account for
    BANGBAN_LOCKOUT_DURATION ('auth.locked'). A failure's count and audit rows are committed
    before the error is raised, so they are never rolled back with it.
    """
    username = (username or "").strip()
    with transaction.atomic():
        user, error = _login_check(username, password)
    if error is not None:
        raise error
    return user


def _login_check(username: str, password: str) -> tuple[User | None, ServiceError | None]:
    user = User.objects.select_for_update().filter(username=username).first()
    if user is None:
        audit_record(
            action="auth.login_failed",
            object_type="accounts.user",
            object_repr=username[:64],
            actor_name=username[:150],
            note="登录名不存在",
        )
        return None, ServiceError("invalid_credentials", "登录名或密码错误")
    if user.is_locked():
        audit_record(
            action="auth.login_failed",
            target=user,
            institution=user.institution,
            actor_name=user.display_name,
            note="账号锁定期间尝试登录",
        )
        return None, ServiceError("locked", _lock_message(user))
    if not user.check_password(password) or not user.is_active:
        user.failed_login_count += 1
        fields = ["failed_login_count"]
        note = "密码错误" if user.is_active else "账号已停用"
        if user.failed_login_count >= settings.BANGBAN_LOCKOUT_THRESHOLD and user.is_active:
            user.locked_until = timezone.now() + settings.BANGBAN_LOCKOUT_DURATION
            fields.append("locked_until")
        user.save(update_fields=fields)
        audit_record(
            action="auth.login_failed",
            target=user,
            institution=user.institution,
            actor_name=user.display_name,
            note=f"{note}（连续第 {user.failed_login_count} 次）",
        )
        if "locked_until" in fields:
            audit_record(
                action="auth.locked",
                target=user,
                institution=user.institution,
                actor_name=user.display_name,
                changes={"locked_until": {"before": None, "after": user.locked_until.isoformat()}},
            )
            return None, ServiceError("locked", _lock_message(user))
        if not user.is_active:
            return None, ServiceError("inactive", "账号已停用，请联系管理员")
        remaining = settings.BANGBAN_LOCKOUT_THRESHOLD - user.failed_login_count
        return None, ServiceError("invalid_credentials", f"登录名或密码错误，再错 {remaining} 次账号将被锁定")
    user.failed_login_count = 0
    user.locked_until = None
    user.last_login = timezone.now()
    user.save(update_fields=["failed_login_count", "locked_until", "last_login"])
    audit_record(actor=user, action="auth.login", target=user)
    return user, None


def logout_record(*, user: User, reason: str = "auth.logout") -> None:
    if getattr(user, "is_authenticated", False):
        audit_record(actor=user, action=reason, target=user)


# --- passwords -------------------------------------------------------------------------------


def _validate_password(password: str, user: User, field: str = "password") -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise ServiceError("password_policy", "；".join(exc.messages), field=field)


@transaction.atomic
def password_change(*, user: User, old_password: str, new_password: str) -> None:
    """The user changes their own password; clears the must-change flag."""
    if not user.check_password(old_password):
        raise ServiceError("wrong_password", "原密码不正确", field="old_password")
    if old_password == new_password:
        raise ServiceError("password_reused", "新密码不能与原密码相同", field="new_password")
    _validate_password(new_password, user, "new_password")
    user.set_password(new_password)
    user.must_change_password = False
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "must_change_password", "password_changed_at"])
    audit_record(actor=user, action="auth.password_changed", target=user)


# --- staff management ------------------------------------------------------------------------


def _check_manageable(
    by: User | None, institution: Institution | None, *, field: str = "institution"
) -> None:
    """by=None is the platform itself (management commands, demo data): no scope applies."""
    if institution is None:
        raise ServiceError("required", "请选择所属机构", field=field)
    if by is None:
        return
    require_cap(by, Cap.STAFF_MANAGE, "您的角色无权管理工作人员")
    if not institution_in_scope(by, institution):
        raise NotInScope(target=institution)


def account_manage_check(*, by: User | None, user: User) -> None:
    """The one rule for managing an account (edit, set password, (de)activate, unlock, tokens).

    The manager needs STAFF_MANAGE, the account must lie in their scope, and every role the
    account holds must be one the manager could grant: so 系统管理员 accounts are managed only
    by 系统管理员, and a 中心管理员 cannot take over a more powerful account by resetting its
    password. by=None is the platform itself.
    """
    if by is None:
        return
    require_cap(by, Cap.STAFF_MANAGE, "您的角色无权管理工作人员")
    if not institution_in_scope(by, user.institution):
        raise NotInScope(target=user)
    beyond = set(user.role_codes) - grantable_roles(by.role_codes)
    if beyond:
        names = "、".join(role_label(r) for r in Role.values if r in beyond)
        raise AccessRefused(
            "account_not_manageable",
            f"该账号持有您无权授予的角色（{names}），只能由系统管理员管理",
        )


def can_manage_account(by: User, user: User) -> bool:
    """What pages offer; the services decide."""
    try:
        account_manage_check(by=by, user=user)
    except AccessRefused:
        return False
    return True


def _clean_staff(*, username: str, full_name: str, phone: str, institution, department, roles) -> list[str]:
    username = (username or "").strip()
    if not username:
        raise ServiceError("required", "登录名不能为空", field="username")
    if not all(c.isascii() and (c.isalnum() or c in "._-") for c in username) or len(username) > 64:
        raise ServiceError("invalid", "登录名只能使用字母、数字和 . _ -，最长 64 位", field="username")
    if not (full_name or "").strip():
        raise ServiceError("required", "姓名不能为空", field="full_name")
    if phone and (problem := mobile_problem(phone)):
        raise ServiceError("invalid", problem, field="phone")
    roles = list(dict.fromkeys(roles or []))
    if not roles:
        raise ServiceError("required", "请至少选择一个角色", field="roles")
    unknown = [r for r in roles if r not in Role.values]
    if unknown:
        raise ServiceError("invalid", f"未知角色：{'、'.join(unknown)}", field="roles")
    if department is not None and department.institution_id != institution.pk:
        raise ServiceError("invalid", "所属部门必须是所属机构的进驻部门", field="department")
    if {Role.CHIEF_LIAISON, Role.LIAISON} & set(roles) and department is None:
        raise ServiceError("required", "首席协办员、专职协办员须指定所属进驻部门", field="department")
    return roles


def _check_grantable(by: User | None, roles: Iterable[str], current: Iterable[str] = ()) -> None:
    """Every role granted or taken away must be one `by` could grant; no incompatible pair remains."""
    conflicts = role_conflicts(roles)
    if conflicts:
        raise ServiceError("role_conflict", f"角色：{'；'.join(conflicts)}", field="roles")
    if by is None:
        return
    denied = (set(roles) ^ set(current)) - grantable_roles(by.role_codes)
    if denied:
        names = "、".join(role_label(r) for r in Role.values if r in denied)
        raise ServiceError("role_not_grantable", f"角色：您无权授予或收回以下角色：{names}", field="roles")


def _set_roles(user: User, roles: list[str]) -> None:
    RoleAssignment.objects.filter(user=user).exclude(role__in=roles).delete()
    existing = set(RoleAssignment.objects.filter(user=user).values_list("role", flat=True))
    RoleAssignment.objects.bulk_create(
        [RoleAssignment(user=user, role=r) for r in roles if r not in existing]
    )
    user.__dict__.pop("role_codes", None)
    user.__dict__.pop("capabilities", None)


@transaction.atomic
def staff_create(
    *,
    by: User | None,
    username: str,
    full_name: str,
    institution: Institution,
    roles: list[str],
    password: str,
    phone: str = "",
    email: str = "",
    department: Department | None = None,
    must_change_password: bool = True,
) -> User:
    """Create a staff account in the manager's scope with an initial password the user must change.

    Only the platform itself (by=None: demo data, commands) may create an account without the
    forced first change.
    """
    _check_manageable(by, institution)
    roles = _clean_staff(
        username=username,
        full_name=full_name,
        phone=phone,
        institution=institution,
        department=department,
        roles=roles,
    )
    _check_grantable(by, roles)
    username = username.strip()
    if User.objects.filter(username=username).exists():
        raise ServiceError("duplicate", f"登录名 {username} 已被使用", field="username")
    user = User(
        username=username,
        full_name=full_name.strip(),
        phone=phone.strip(),
        email=email.strip(),
        institution=institution,
        department=department,
        must_change_password=must_change_password or by is not None,
    )
    _validate_password(password, user)
    user.set_password(password)
    user.save()
    _set_roles(user, roles)
    changes = created(snapshot(user, STAFF_FIELDS))
    changes["roles"] = {"before": None, "after": sorted(roles)}
    audit_record(
        actor=by, action="accounts.staff.create", target=user, institution=institution, changes=changes
    )
    return user


@transaction.atomic
def staff_update(
    *,
    by: User,
    user: User,
    full_name: str,
    institution: Institution,
    roles: list[str],
    phone: str = "",
    email: str = "",
    department: Department | None = None,
) -> User:
    """Change a staff member's details, institution, department and roles, within the manager's scope."""
    user = User.objects.select_for_update().get(pk=user.pk)
    account_manage_check(by=by, user=user)
    _check_manageable(by, institution)
    roles = _clean_staff(
        username=user.username,
        full_name=full_name,
        phone=phone,
        institution=institution,
        department=department,
        roles=roles,
    )
    current_roles = sorted(user.role_codes)
    if user.pk == by.pk and set(roles) != set(current_roles):
        raise ServiceError("own_roles", "角色：不能修改自己的角色，请由其他管理员调整", field="roles")
    _check_grantable(by, roles, current_roles)
    before = snapshot(user, STAFF_FIELDS)
    user.full_name, user.phone, user.email = full_name.strip(), phone.strip(), email.strip()
    user.institution, user.department = institution, department
    user.save()
    _set_roles(user, roles)
    changes = diff(before, snapshot(user, STAFF_FIELDS))
    if sorted(roles) != current_roles:
        changes["roles"] = {"before": current_roles, "after": sorted(roles)}
    if changes:
        audit_record(
            actor=by, action="accounts.staff.update", target=user, institution=institution, changes=changes
        )
    return user


@transaction.atomic
def staff_set_password(*, by: User, user: User, password: str) -> None:
    """An administrator sets a password; the user must change it at next login."""
    user = User.objects.select_for_update().get(pk=user.pk)
    account_manage_check(by=by, user=user)
    _validate_password(password, user)
    user.set_password(password)
    user.must_change_password = True
    user.failed_login_count = 0
    user.locked_until = None
    user.save(update_fields=["password", "must_change_password", "failed_login_count", "locked_until"])
    audit_record(
        actor=by,
        action="accounts.staff.set_password",
        target=user,
        institution=user.institution,
        changes={"password": {"before": "******", "after": "******"}},
    )


@transaction.atomic
def staff_set_active(*, by: User, user: User, active: bool) -> User:
    user = User.objects.select_for_update().get(pk=user.pk)
    account_manage_check(by=by, user=user)
    if user.pk == by.pk and not active:
        raise ServiceError("self_deactivation", "不能停用自己的账号", field="is_active")
    if user.is_active != active:
        user.is_active = active
        user.save(update_fields=["is_active"])
        audit_record(
            actor=by,
            action="accounts.staff.activate" if active else "accounts.staff.deactivate",
            target=user,
            institution=user.institution,
            changes={"is_active": {"before": not active, "after": active}},
        )
    return user


@transaction.atomic
def staff_unlock(*, by: User, user: User) -> User:
    user = User.objects.select_for_update().get(pk=user.pk)
    account_manage_check(by=by, user=user)
    before = snapshot(user, ["failed_login_count", "locked_until"])
    user.failed_login_count = 0
    user.locked_until = None
    user.save(update_fields=["failed_login_count", "locked_until"])
    audit_record(
        actor=by,
        action="accounts.staff.unlock",
        target=user,
        institution=user.institution,
        changes=diff(before, snapshot(user, ["failed_login_count", "locked_until"])),
    )
    return user


@transaction.atomic
def token_issue(*, by: User, user: User) -> Token:
    """Issue (or replace) the API token of an account used by an integration."""
    if by.pk != user.pk:
        _check_manageable(by, user.institution)
    Token.objects.filter(user=user).delete()
    token = Token.objects.create(user=user)
    audit_record(actor=by, action="accounts.token.issue", target=user, institution=user.institution)
    return token
