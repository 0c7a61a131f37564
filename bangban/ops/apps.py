from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "bangban.ops"
    label = "ops"
    verbose_name = "运维"
