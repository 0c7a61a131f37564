from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "bangban.training"
    label = "training"
    verbose_name = "培训"

    def ready(self):
        from bangban.audit.actions import register
        from bangban.core import navigation

        navigation.register(navigation.NavEntry("培训", "training:courses", None, 410))
        navigation.register(navigation.NavEntry("我的培训", "training:mine", None, 411))
        register(
            {
                "training.course.create": "新建培训课程",
                "training.session.create": "登记培训场次",
                "training.attendance.record": "登记参训记录",
            }
        )
