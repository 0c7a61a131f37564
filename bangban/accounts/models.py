from __future__ import annotations

from functools import cached_property

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
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
    failed_login_count = models.PositiveIntegerField("连续登录失败次数", default=0)
    locked_until = models.DateTimeField("锁定至", null=True, blank=True)

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
        return self.full_name or self.username

    @cached_property
    def role_codes(self) -> frozenset[str]:
        return frozenset(self.role_assignments.values_list("role", flat=True)) if self.pk else frozenset()

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

    def is_locked(self, now=None) -> bool:
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
