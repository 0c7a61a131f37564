from bangban.core.errors import AccessRefused


def require_cap(user, cap: str, message: str = "您的角色无权执行此操作") -> None:
    """Raise AccessRefused unless the user's roles grant `cap`."""
    if not getattr(user, "is_authenticated", False) or not (user.is_superuser or user.has_cap(cap)):
        raise AccessRefused("capability_required", message)


def has_cap(user, cap: str) -> bool:
    return getattr(user, "is_authenticated", False) and (user.is_superuser or user.has_cap(cap))
