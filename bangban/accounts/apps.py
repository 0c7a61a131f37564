from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "bangban.accounts"
    label = "accounts"
    verbose_name = "账号与权限"

    def ready(self):
        from bangban.accounts.roles import Cap
        from bangban.audit.actions import register
        from bangban.core import navigation

        navigation.register(navigation.NavEntry("工作人员", "accounts:staff_list", Cap.STAFF_VIEW, 810))

        register(
            {
                "accounts.staff.create": "新建工作人员",
                "accounts.staff.update": "修改工作人员",
                "accounts.staff.set_password": "重置密码",
                "accounts.staff.activate": "启用账号",
                "accounts.staff.deactivate": "停用账号",
                "accounts.staff.unlock": "解除锁定",
                "accounts.token.issue": "签发 API 令牌",
                "accounts.token.revoke": "撤销 API 令牌",
                "auth.token_failed": "API 令牌被拒",
                "auth.throttled": "失败尝试过多，暂停受理",
            }
        )
        # Names of the change entries our audit rows carry that are not fields of the user row.
        from bangban.audit.presentation import EXTRA_LABELS

        EXTRA_LABELS.update({"token": "API 令牌", "expires_at": "有效期至", "locked_until": "锁定至"})
