from django.apps import AppConfig


class EvaluationsConfig(AppConfig):
    name = "bangban.evaluations"
    label = "evaluations"
    verbose_name = "好差评"

    def ready(self):
        from django.conf import settings
        from django.core.exceptions import ImproperlyConfigured

        from bangban.accounts.roles import Cap
        from bangban.audit.actions import register
        from bangban.core import dashboard, navigation
        from bangban.evaluations import rules
        from bangban.evaluations.dashboard import review_panels
        from bangban.evaluations.services import ACTION_LABELS

        if problem := rules.limit_problem(getattr(settings, "BANGBAN_RECTIFY_WORKDAYS", 5)):
            raise ImproperlyConfigured(f"BANGBAN_RECTIFY_WORKDAYS: {problem}")
        navigation.register(navigation.NavEntry("差评整改", "evaluations:rectifications", None, 400))
        navigation.register(navigation.NavEntry("评价", "evaluations:reviews", None, 401))
        navigation.register(navigation.NavEntry("请您评价", "evaluations:counter", Cap.REVIEW_HANDLE, 402))
        dashboard.register(400, review_panels)
        register(ACTION_LABELS)
