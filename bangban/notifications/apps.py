from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "bangban.notifications"
    label = "notifications"
    verbose_name = "消息通知"

    def ready(self):
        from bangban.accounts.roles import Cap
        from bangban.audit.actions import register
        from bangban.core import dashboard, navigation
        from bangban.notifications.dashboard import notification_panels

        # The page is open to case handlers too (scoped); the menu entry is for those who watch
        # delivery across institutions and retry failures.
        navigation.register(
            navigation.NavEntry("短信记录", "notifications:message_list", Cap.SUPERVISION_VIEW, 830)
        )
        dashboard.register(830, notification_panels)
        register({"notifications.message.retry": "重发短信"})
