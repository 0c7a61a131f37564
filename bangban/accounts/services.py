"""Staff accounts: login with lockout, passwords, and staff management within a scope.

Every write is one transaction with its audit row. The lockout state lives on the account
row and is changed under a row lock, so concurrent wrong passwords on several app servers
count exactly and cannot both reset the counter.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from bangban.accounts.models import ApiToken, LoginFailure, RoleAssignment, User
from bangban.accounts.permissions import require_cap
from bangban.accounts.roles import Cap, Role, grantable_roles, role_conflicts, role_label
from bangban.audit.services import audit_record, created, diff, snapshot
from bangban.core.errors import AccessRefused, NotInScope, ServiceError
from bangban.core.ids import mobile_problem
from bangban.org.models import Department, Institution
from bangban.org.selectors import institution_in_scope

STAFF_FIELDS = ["username", "full_name", "phone", "email", "institution", "department", "is_active"]


# --- login: the one gate for the staff login page, the Django admin and API tokens -----------


class TooManyAttempts(ServiceError):
    """This client failed too often within the window: refused before any check (HTTP 429)."""

    def __init__(self, retry_after: int):
        minutes = max(1, (retry_after + 59) // 60)
        super().__init__("throttled", f"失败尝试过多，请 {minutes} 分钟后再试")
        self.retry_after = retry_after


class TokenRefused(ServiceError):
    """An API token that may not be used (HTTP 401)."""


def _throttle_bucket(client: str) -> tuple[str, int]:
    """The cache key of the client's current window and the seconds left in it."""
    window = settings.BANGBAN_AUTH_THROTTLE_SECONDS
    now = int(time.time())
    return f"bangban:auth-failures:{client or '-'}:{now // window}", window - now % window


def throttle_check(client: str) -> None:
    """Refuse a client that failed BANGBAN_AUTH_THROTTLE_FAILURES times in the current window
    (fixed windows in the shared cache: local memory in development, Redis in production)."""
    key, left = _throttle_bucket(client)
    if (cache.get(key) or 0) < settings.BANGBAN_AUTH_THROTTLE_FAILURES:
        return
    if cache.add(f"{key}:audited", 1, timeout=left + 1):  # one audit row per client and window
        audit_record(
            action="auth.throttled",
            object_type="accounts.client",
            object_repr=(client or "未知地址")[:255],
            note=f"同一客户端失败尝试达到 {settings.BANGBAN_AUTH_THROTTLE_FAILURES} 次，暂停受理",
        )
    raise TooManyAttempts(left)


def _throttle_count(client: str) -> None:
    key, left = _throttle_bucket(client)
    cache.add(key, 0, timeout=left + 1)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=left + 1)


def _lock_message(locked_until) -> str:
    minutes = max(1, int((locked_until - timezone.now()).total_seconds() + 59) // 60)
    return f"连续登录失败次数过多，已暂停从本机登录该账号，请 {minutes} 分钟后再试或联系管理员解锁"


def login_attempt(*, username: str, password: str, client: str = "") -> User:
    """Check a password under the throttle and lockout policy; every way of signing in calls this.

    Returns the user on success (the client's failure count cleared, audit 'auth.login').
    Raises TooManyAttempts while the client is throttled; ServiceError 'locked' while this login
    name is locked for this client (even with the right password); 'invalid_credentials'
    otherwise, with the same text and the same work (the password hasher runs) whether or not
    the login name exists. The N-th consecutive failure of a name from a client locks it for
    that client for BANGBAN_LOCKOUT_DURATION ('auth.locked'). Failure rows and their audit
    records are committed before the error is raised, so they are never rolled back with it.
    """
    username = (username or "").strip()[:150]
    client = (client or "")[:45]
    throttle_check(client)
    with transaction.atomic():
        user, error = _login_check(username, password, client)
    if error is not None:
        if error.code != "inactive":
            _throttle_count(client)
        raise error
    return user


def _login_check(username: str, password: str, client: str) -> tuple[User | None, ServiceError | None]:
    failure = LoginFailure.objects.select_for_update().filter(username=username, client=client).first()
    user = User.objects.filter(username=username).select_related("institution").first()
    who = (
        {"target": user, "institution": user.institution, "actor_name": user.display_name}
        if user
        else {
            "object_type": "accounts.user",
            "object_repr": username[:64],
            "actor_name": username,
        }
    )
    if failure is not None and failure.locked_until and failure.locked_until > timezone.now():
        audit_record(action="auth.login_failed", note="锁定期间尝试登录", **who)
        return None, ServiceError("locked", _lock_message(failure.locked_until))
    if user is None or not user.has_usable_password():
        User().set_password(password)  # the same hashing work as for a real account
        correct = False
    else:
        correct = user.check_password(password)
    if correct and not user.is_active:
        audit_record(action="auth.login_failed", note="账号已停用", **who)
        return None, ServiceError("inactive", "账号已停用，请联系管理员")
    if not correct:
        if failure is None:
            failure, _ = LoginFailure.objects.get_or_create(username=username, client=client)
            failure = LoginFailure.objects.select_for_update().get(pk=failure.pk)
        failure.failures += 1
        failure.updated_at = timezone.now()
        threshold = settings.BANGBAN_LOCKOUT_THRESHOLD
        locking = failure.failures >= threshold
        if locking:
            failure.locked_until = failure.updated_at + settings.BANGBAN_LOCKOUT_DURATION
        failure.save()
        reason = "登录名不存在" if user is None else "密码错误"
        audit_record(action="auth.login_failed", note=f"{reason}（本机连续第 {failure.failures} 次）", **who)
        if locking:
            audit_record(
                action="auth.locked",
                changes={"locked_until": {"before": None, "after": failure.locked_until.isoformat()}},
                note=f"客户端 {client or '未知地址'} 连续 {failure.failures} 次登录失败",
                **who,
            )
            failure.failures = 0  # the next failure after the lock runs out counts afresh
            failure.save(update_fields=["failures"])
            return None, ServiceError("locked", _lock_message(failure.locked_until))
        return None, ServiceError(
            "invalid_credentials", f"登录名或密码错误，再错 {threshold - failure.failures} 次将暂停从本机登录"
        )
    if failure is not None:
        failure.delete()
    user.last_login = timezone.now()
    user.save(update_fields=["last_login"])
    audit_record(actor=user, action="auth.login", target=user)
    return user, None


def _clear_lockouts(user: User) -> dict:
    """Remove the account's lockouts (from every client); the audit change it makes."""
    locked = user.locked_until
    LoginFailure.objects.filter(username=user.username).delete()
    user.__dict__.pop("locked_until", None)
    return {"locked_until": {"before": locked.isoformat(), "after": None}} if locked else {}


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
    user.save(update_fields=["password", "must_change_password"])
    audit_record(
        actor=by,
        action="accounts.staff.set_password",
        target=user,
        institution=user.institution,
        changes={"password": {"before": "******", "after": "******"}} | _clear_lockouts(user),
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
    """Lift the account's login lockouts from every client address."""
    user = User.objects.select_for_update().get(pk=user.pk)
    account_manage_check(by=by, user=user)
    changes = _clear_lockouts(user)
    if changes:
        audit_record(
            actor=by,
            action="accounts.staff.unlock",
            target=user,
            institution=user.institution,
            changes=changes,
        )
    return user


# --- API tokens ------------------------------------------------------------------------------

TOKEN_RE = re.compile(r"bb_([0-9a-f]{16})_[A-Za-z0-9_-]{43}")
# How often a token's last use is written back (each request writing it would cost every request).
TOKEN_LAST_USED_STEP = timedelta(minutes=1)


def token_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _token_holder_check(by: User | None, user: User) -> None:
    """The owner handles their own tokens; anyone else must be allowed to manage the account."""
    if by is None or by.pk == user.pk:
        return
    account_manage_check(by=by, user=user)


@transaction.atomic
def token_issue(*, by: User | None, user: User, name: str, days: int | None = None) -> tuple[ApiToken, str]:
    """Issue an API token for `user`; returns the row and the plaintext, which is never stored
    (only its SHA-256) and so can be shown only this once."""
    _token_holder_check(by, user)
    name = (name or "").strip()
    if not name:
        raise ServiceError("required", "名称：请填写令牌名称，如使用它的系统", field="name")
    if len(name) > 50:
        raise ServiceError("max_length", "名称：最多 50 个字", field="name")
    longest = settings.BANGBAN_TOKEN_MAX_DAYS
    days = settings.BANGBAN_TOKEN_DAYS if days is None else days
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= longest:
        raise ServiceError("invalid", f"有效期：应为 1–{longest} 天", field="days")
    if not user.is_active:
        raise ServiceError("inactive", "账号已停用，不能签发令牌", field="user")
    key_id = secrets.token_hex(8)
    key = f"bb_{key_id}_{secrets.token_urlsafe(32)}"
    now = timezone.now()
    token = ApiToken.objects.create(
        owner=user,
        name=name,
        key_id=key_id,
        digest=token_digest(key),
        created_at=now,
        expires_at=now + timedelta(days=days),
        issued_by=by,
    )
    audit_record(
        actor=by,
        action="accounts.token.issue",
        target=user,
        institution=user.institution,
        changes={
            "token": {"before": None, "after": str(token)},
            "expires_at": {"before": None, "after": token.expires_at.isoformat()},
        },
    )
    return token, key


@transaction.atomic
def token_revoke(*, by: User, token: ApiToken) -> ApiToken:
    """Revoke a token at once (its next use is refused); revoking twice changes nothing."""
    token = ApiToken.objects.select_for_update().select_related("owner").get(pk=token.pk)
    _token_holder_check(by, token.owner)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.revoked_by = by
        token.save(update_fields=["revoked_at", "revoked_by"])
        audit_record(
            actor=by,
            action="accounts.token.revoke",
            target=token.owner,
            institution=token.owner.institution,
            changes={"token": {"before": str(token), "after": None}},
        )
    return token


def _token_failed(client: str, user: User | None, note: str) -> None:
    _throttle_count(client)
    who = {"target": user, "institution": user.institution} if user else {"object_type": "accounts.apitoken"}
    audit_record(action="auth.token_failed", note=note, **who)


def token_authenticate(*, key: str, client: str = "") -> tuple[User, ApiToken]:
    """The one check for every use of an API token (DRF's authentication): the client not
    throttled, the token known and its secret right, not revoked, not expired, the account
    active and not locked out from this client.

    Raises TooManyAttempts (429) or TokenRefused (401); each refusal is audited and counts
    towards the client's throttle.
    """
    from bangban.core.api import load_principal

    client = (client or "")[:45]
    throttle_check(client)
    match = TOKEN_RE.fullmatch(key or "")
    principal = load_principal(match.group(1), client) if match else None
    if principal is None or not hmac.compare_digest(principal[1].digest, token_digest(key)):
        _token_failed(client, None, "令牌无效")
        raise TokenRefused("invalid_token", "令牌无效")
    user, token = principal
    now = timezone.now()
    refusal = None
    if token.revoked_at is not None:
        refusal = ("token_revoked", "令牌已撤销")
    elif token.expires_at <= now:
        refusal = ("token_expired", "令牌已过期，请重新签发")
    elif not user.is_active:
        refusal = ("inactive", "账号已停用")
    elif user.locked_until is not None and user.locked_until > now:
        refusal = ("locked", "连续登录失败次数过多，账号已暂停使用，请稍后再试或联系管理员解锁")
    if refusal is not None:
        _token_failed(client, user, f"{refusal[1]}：{token}")
        raise TokenRefused(*refusal)
    if token.last_used_at is None or now - token.last_used_at > TOKEN_LAST_USED_STEP:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return user, token
