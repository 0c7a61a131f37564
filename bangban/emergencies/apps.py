from django.apps import AppConfig


class EmergenciesConfig(AppConfig):
    name = "bangban.emergencies"
    label = "emergencies"
    verbose_name = "应急管理"

    def ready(self):
        from bangban.audit.actions import register
        from bangban.core import navigation

        navigation.register(navigation.NavEntry("应急管理", "emergencies:index", None, 420))
        register(
            {
                "emergencies.plan.publish": "发布应急预案",
                "emergencies.drill.record": "登记应急演练",
                "emergencies.incident.log": "登记突发事件",
                "emergencies.incident.step": "记录处置措施",
                "emergencies.incident.close": "登记事件结束",
            }
        )
