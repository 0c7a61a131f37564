from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "bangban.ops"
    label = "ops"
    verbose_name = "运维"

    def ready(self):
        from bangban.ops.observability import connect_celery_signals

        connect_celery_signals()
