"""Capability checks. Capabilities come from roles only: `is_superuser` grants nothing here
(it only opens the read-only Django admin)."""

from bangban.core.errors import AccessRefused


def has_cap(user, cap: str) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.has_cap(cap))


def require_cap(user, cap: str, message: str = "您的角色无权执行此操作") -> None:
    """Raise AccessRefused unless the user's roles grant `cap`."""
    if not has_cap(user, cap):
        raise AccessRefused("capability_required", message)
