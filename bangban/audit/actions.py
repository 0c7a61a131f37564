"""Human names of audit actions. Apps register theirs here so the audit page reads in Chinese."""

ACTION_LABELS: dict[str, str] = {
    "auth.login": "登录",
    "auth.logout": "退出登录",
    "auth.login_failed": "登录失败",
    "auth.locked": "账号锁定",
    "auth.idle_timeout": "超时自动退出",
    "auth.password_changed": "修改密码",
    "access.refused": "拒绝访问",
}


def register(labels: dict[str, str]) -> None:
    ACTION_LABELS.update(labels)


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)
