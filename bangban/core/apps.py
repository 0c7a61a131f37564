from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "bangban.core"
    label = "core"
    verbose_name = "平台基础"

    def ready(self):
        import bangban.core.routing  # noqa: F401  (registers the <id:…> path converter)
        from bangban.audit.actions import register as register_actions
        from bangban.core.limits import install_default_max_length
        from bangban.core.navigation import NavEntry, register

        install_default_max_length()

        register(NavEntry("工作台", "core:home", None, 0))
        register_actions({"core.reencrypt": "个人信息重新加密"})
