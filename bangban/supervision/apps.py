from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "bangban.supervision"
    label = "supervision"
    verbose_name = "监督考核"

    def ready(self):
        from bangban.audit.actions import register as register_actions
        from bangban.cases import indicators as case_indicators
        from bangban.core import navigation
        from bangban.supervision.registry import RecordKind, register

        # The record kinds whose facts feed the counters. Reviews, rectifications, complaints and
        # consultations are wired the same way when their apps arrive (one line each).
        register(RecordKind("case", "办件", case_indicators.METRICS, case_indicators.all_case_facts))
        register_actions(
            {
                "supervision.facts.recompute": "重算质量指标计数",
                "supervision.target.set": "设置指标目标",
            }
        )
        navigation.register(navigation.NavEntry("质量指标", "supervision:dashboard", None, 400))
