from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "bangban.assessments"
    label = "assessments"
    verbose_name = "月度考核"

    def ready(self):
        from bangban.audit.actions import register
        from bangban.core import navigation

        navigation.register(navigation.NavEntry("月度考核", "assessments:list", None, 412))
        navigation.register(navigation.NavEntry("我的考核", "assessments:mine", None, 413))
        register(
            {
                "assessments.assessment.score": "录入月度考核评分",
                "assessments.assessment.confirm": "确认月度考核",
            }
        )
