from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "bangban.oversight"
    label = "oversight"
    verbose_name = "督办"

    def ready(self):
        from bangban.audit.actions import register
        from bangban.core import dashboard, navigation
        from bangban.oversight.dashboard import oversight_panels
        from bangban.oversight.rules import ACTION_LABELS

        navigation.register(navigation.NavEntry("督办", "oversight:list", None, 400))
        dashboard.register(400, oversight_panels)
        register({f"oversight.order.{k}": v for k, v in ACTION_LABELS.items()})
        register({"oversight.order.escalate": "督办逾期升级"})
