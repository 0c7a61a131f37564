from __future__ import annotations

from functools import cached_property

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.utils import timezone

from bangban.accounts.roles import Role, capabilities_of, role_label


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, username, password=None, **extra):
        user = self.model(username=username, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, username, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("full_name", username)
        return self.create_user(username, password, **extra)


def display_name(full_name: str, username: str) -> str:
    """How a user is named on pages and in lists (User.display_name; for rows read without the model)."""
    return full_name or username


class User(AbstractBaseUser, PermissionsMixin):
    """A staff account, attached to one institution (and a stationed department for liaisons)."""

    username = models.CharField("登录名", max_length=64, unique=True)
    full_name = models.CharField("姓名", max_length=50)
    phone = models.CharField("手机号码", max_length=20, blank=True)
    email = models.EmailField("电子邮箱", blank=True)
    institution = models.ForeignKey(
        "org.Institution",
        verbose_name="所属机构",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    department = models.ForeignKey(
        "org.Department",
        verbose_name="所属部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    is_active = models.BooleanField("启用", default=True)
    is_staff = models.BooleanField("可进入后台", default=False)
    date_joined = models.DateTimeField("创建时间", default=timezone.now)

    must_change_password = models.BooleanField("下次登录须修改密码", default=False)
    password_changed_at = models.DateTimeField("密码修改时间", null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = "工作人员"
        verbose_name_plural = "工作人员"
        ordering = ["username"]

    def __str__(self):
        return f"{self.full_name}（{self.username}）" if self.full_name else self.username

    @property
    def display_name(self) -> str:
        return display_name(self.full_name, self.username)

    @cached_property
    def role_codes(self) -> frozenset[str]:
        # Read on every request that checks a capability: a fixed statement, not a queryset compiled
        # each time (that cost several times the query).
        if not self.pk:
            return frozenset()
        with connections[self._state.db or DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute(f"SELECT role FROM {RoleAssignment._meta.db_table} WHERE user_id = %s", [self.pk])
            return frozenset(role for (role,) in cursor.fetchall())

    @property
    def role_labels(self) -> list[str]:
        return [role_label(r) for r in Role.values if r in self.role_codes]

    @cached_property
    def capabilities(self) -> frozenset[str]:
        if not self.is_active:
            return frozenset()
        return capabilities_of(self.role_codes)

    def has_cap(self, cap: str) -> bool:
        return cap in self.capabilities

    @cached_property
    def locked_until(self):
        """The latest end of a login lockout on this account (from any client), or None."""
        if "_locked_until" in self.__dict__:  # annotated by accounts.selectors
            return self.__dict__["_locked_until"]
        return (
            LoginFailure.objects.filter(username=self.username, locked_until__gt=timezone.now())
            .order_by("-locked_until")
            .values_list("locked_until", flat=True)
            .first()
        )

    def is_locked(self, now=None) -> bool:
        """Locked out from at least one client address (see LoginFailure)."""
        return bool(self.locked_until and self.locked_until > (now or timezone.now()))


class RoleAssignment(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField("角色", max_length=32, choices=Role.choices)

    class Meta:
        verbose_name = "角色"
        verbose_name_plural = "角色"
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="accounts_role_unique")]

    def __str__(self):
        return self.get_role_display()


class LoginFailure(models.Model):
    """Consecutive failed sign-ins for one login name from one client address.

    The lockout is keyed on both, so an attacker elsewhere cannot lock the real user out; login
    names that do not exist are counted and locked exactly like real ones (no enumeration).
    """

    username = models.CharField("登录名", max_length=150)
    client = models.CharField("客户端地址", max_length=45, blank=True)
    failures = models.PositiveIntegerField("连续失败次数", default=0)
    locked_until = models.DateTimeField("锁定至", null=True, blank=True)
    updated_at = models.DateTimeField("最近失败时间", default=timezone.now)

    class Meta:
        verbose_name = "登录失败记录"
        verbose_name_plural = "登录失败记录"
        constraints = [
            models.UniqueConstraint(fields=["username", "client"], name="accounts_loginfailure_unique")
        ]

    def __str__(self):
        return f"{self.username}@{self.client or '未知地址'}"


class ApiToken(models.Model):
    """An API token. Only the SHA-256 digest of the secret is stored; `key_id` (the token's public
    prefix) finds the row through a unique index. The plaintext is shown once, when issued."""

    owner = models.ForeignKey(
        User, verbose_name="所属账号", on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField("名称", max_length=50)
    key_id = models.CharField("令牌标识", max_length=16, unique=True)
    digest = models.CharField("摘要", max_length=64)
    created_at = models.DateTimeField("签发时间", default=timezone.now)
    expires_at = models.DateTimeField("有效期至")
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)
    issued_by = models.ForeignKey(
        User, verbose_name="签发人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_by = models.ForeignKey(
        User, verbose_name="撤销人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "API 令牌"
        verbose_name_plural = "API 令牌"
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.name}（{self.key_id}）"

    @property
    def prefix(self) -> str:
        """What the owner sees of the token in lists (never the secret)."""
        return f"bb_{self.key_id}_…"

    def status(self, now=None) -> str:
        now = now or timezone.now()
        if self.revoked_at:
            return "已撤销"
        if self.expires_at <= now:
            return "已过期"
        return "有效"

    @property
    def is_usable(self) -> bool:
        return self.status() == "有效"
