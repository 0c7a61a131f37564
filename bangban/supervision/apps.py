from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "bangban.supervision"
    label = "supervision"
    verbose_name = "监督考核"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from bangban.catalog.models import ItemVersion, ListingEntry
        from bangban.supervision import disclosure, selectors
        from bangban.supervision.models import Target

        # 信息公开率's catalog snapshot and the targets' copy: this process's own writes are seen at once.
        for model, kept in (
            (ItemVersion, disclosure.kept),
            (ListingEntry, disclosure.kept),
            (Target, selectors.kept_targets),
        ):
            for signal in (post_save, post_delete):
                signal.connect(kept.forget, sender=model, dispatch_uid=f"supervision-{signal}-{model}")
        from bangban.audit.actions import register as register_actions
        from bangban.cases import indicators as case_indicators
        from bangban.complaints import indicators as cp
        from bangban.core import navigation
        from bangban.evaluations import indicators as ev
        from bangban.supervision.registry import DrillSpec, RecordKind, register

        # The record kinds whose facts feed the counters (all of them here), each with its drill-down.
        register(
            RecordKind(
                "case",
                "办件",
                case_indicators.METRICS,
                case_indicators.all_case_facts,
                DrillSpec(
                    "件",
                    case_indicators.DRILL_HEADERS,
                    case_indicators.drill_candidates,
                    case_indicators.drill_row,
                ),
            )
        )
        register(
            RecordKind(
                "review",
                "好差评",
                ev.REVIEW_METRICS,
                ev.all_review_facts,
                DrillSpec("条", ev.REVIEW_HEADERS, ev.drill_reviews, ev.review_row),
            )
        )
        register(
            RecordKind(
                "rectification",
                "差评整改",
                ev.RECTIFICATION_METRICS,
                ev.all_rectification_facts,
                DrillSpec("条", ev.RECTIFICATION_HEADERS, ev.drill_rectifications, ev.rectification_row),
            )
        )
        register(
            RecordKind(
                "complaint",
                "投诉",
                cp.COMPLAINT_METRICS,
                cp.all_complaint_facts,
                DrillSpec("件", cp.COMPLAINT_HEADERS, cp.drill_complaints, cp.complaint_row),
            )
        )
        register(
            RecordKind(
                "consultation", "咨询", cp.CONSULTATION_METRICS, cp.all_consultation_facts,
                DrillSpec("条", cp.CONSULTATION_HEADERS, cp.drill_consultations, cp.consultation_row),
            )
        )  # fmt: skip
        register_actions(
            {
                "supervision.facts.recompute": "重算质量指标计数",
                "supervision.target.set": "设置指标目标",
            }
        )
        navigation.register(navigation.NavEntry("质量指标", "supervision:dashboard", None, 400))
