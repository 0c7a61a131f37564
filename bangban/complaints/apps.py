from django.apps import AppConfig


class ComplaintsConfig(AppConfig):
    name = "bangban.complaints"
    label = "complaints"
    verbose_name = "投诉与咨询"

    def ready(self):
        from django.conf import settings

        from bangban.audit.actions import register
        from bangban.complaints.dashboard import complaint_panels
        from bangban.complaints.workflow import ACTION_LABELS, check_limits
        from bangban.core import dashboard, navigation

        # A wrong limit setting stops the start, with the rule in Chinese.
        check_limits(getattr(settings, "BANGBAN_COMPLAINT_STEP_LIMITS", {}))
        navigation.register(navigation.NavEntry("投诉", "complaints:list", None, 300))
        navigation.register(navigation.NavEntry("咨询登记", "complaints:consultations", None, 301))
        dashboard.register(300, complaint_panels)
        register({f"complaints.complaint.{k}": f"投诉{v}" for k, v in ACTION_LABELS.items()})
        register(
            {
                "complaints.complaint.create": "登记投诉",
                "complaints.complaint.reveal_phone": "查看投诉人完整电话",
                "complaints.consultation.create": "登记咨询",
                "complaints.consultation.receive": "收到网上咨询",
                "complaints.consultation.answer": "答复咨询",
                "complaints.consultation.link_case": "咨询转为办件",
                "complaints.consultation.reveal_phone": "查看咨询人完整电话",
            }
        )
