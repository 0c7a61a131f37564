from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "bangban.core"
    label = "core"
    verbose_name = "平台基础"

    def ready(self):
        from bangban.audit.actions import register as register_actions
        from bangban.core.navigation import NavEntry, register

        register(NavEntry("工作台", "core:home", None, 0))
        register_actions({"core.reencrypt": "个人信息重新加密"})
