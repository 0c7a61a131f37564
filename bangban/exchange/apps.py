from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "bangban.exchange"
    label = "exchange"
    verbose_name = "数据交换"

    def ready(self):
        from bangban.accounts.roles import Cap
        from bangban.audit.actions import register
        from bangban.core import navigation
        from bangban.exchange.services import ACTION_LABELS

        register(ACTION_LABELS)
        navigation.register(navigation.NavEntry("数据交换", "exchange:deliveries", Cap.SUPERVISION_VIEW, 410))
