from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "bangban.supervision"
    label = "supervision"
    verbose_name = "监督考核"
