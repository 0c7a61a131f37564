from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "bangban.audit"
    label = "audit"
    verbose_name = "审计日志"

    def ready(self):
        from bangban.accounts.roles import Cap
        from bangban.core.navigation import NavEntry, register

        register(NavEntry("审计日志", "audit:list", Cap.AUDIT_VIEW, 900))
