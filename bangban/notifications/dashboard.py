from django.urls import reverse

from bangban.accounts.permissions import has_cap
from bangban.accounts.roles import Cap


def notification_panels(user) -> list[dict]:
    """工作台: failed SMS in the user's scope, for those who can retry them."""
    if not has_cap(user, Cap.SUPERVISION_VIEW):
        return []
    from bangban.notifications.models import Message
    from bangban.notifications.selectors import message_list

    failed = message_list(user=user, status=Message.Status.FAILED).count()
    if not failed:
        return []
    return [
        {
            "value": failed,
            "label": "发送失败的短信",
            "url": reverse("notifications:message_list") + "?status=failed",
        }
    ]
