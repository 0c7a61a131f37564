from django.apps import AppConfig


class DivisionsConfig(AppConfig):
    name = "bangban.divisions"
    label = "divisions"
    verbose_name = "行政区划"
