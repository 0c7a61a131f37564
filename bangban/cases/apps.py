from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "bangban.cases"
    label = "cases"
    verbose_name = "办件"

    def ready(self):
        from bangban.accounts.roles import Cap
        from bangban.audit.actions import register
        from bangban.cases.dashboard import case_panels, case_sections
        from bangban.cases.workflow import ACTION_LABELS
        from bangban.core import dashboard, navigation

        navigation.register(navigation.NavEntry("办件", "cases:queue", None, 100))
        navigation.register(navigation.NavEntry("登记办件", "cases:create", Cap.CASE_HANDLE, 101))
        dashboard.register(100, case_panels)
        dashboard.register_section(100, case_sections)
        register({f"cases.case.{k}": f"办件{v}" for k, v in ACTION_LABELS.items()})
        register(
            {
                "cases.case.create": "登记办件",
                "cases.case.extend": "办件延期",
                "cases.case.reveal_id": "查看完整证件号",
                "cases.case.reveal_phone": "查看完整联系电话",
                "cases.transfer.send": "发起转办",
                "cases.transfer.accept": "接收转办",
                "cases.transfer.return": "退回转办",
                "cases.task.create": "发起联办任务",
                "cases.task.complete": "完成联办任务",
                "cases.material.receive": "接收材料",
                "cases.material.return": "退还材料",
                "cases.log.add": "帮办代办日志",
            }
        )
