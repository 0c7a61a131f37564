from django.urls import reverse

from bangban.accounts.permissions import has_cap
from bangban.accounts.roles import Cap


def catalog_panels(user) -> list[dict]:
    """工作台 figures for 事项管理员: adjustments awaiting the user's review, open drafts."""
    from bangban.catalog.models import Adjustment, Item
    from bangban.catalog.selectors import pending_review_count

    panels = []
    if has_cap(user, Cap.CATALOG_REVIEW):
        waiting = pending_review_count(user)
        if waiting:
            panels.append(
                {
                    "value": waiting,
                    "label": "待我审核的事项调整",
                    "url": reverse("catalog:adjustment_list") + "?status=submitted",
                }
            )
    if has_cap(user, Cap.CATALOG_MANAGE):
        panels.append(
            {
                "value": Item.objects.filter(status=Item.Status.ACTIVE).count(),
                "label": "在用政务服务事项",
                "url": reverse("catalog:item_list"),
            }
        )
        returned = Adjustment.objects.filter(status=Adjustment.Status.RETURNED, created_by=user).count()
        if returned:
            panels.append(
                {
                    "value": returned,
                    "label": "被退回的事项调整",
                    "url": reverse("catalog:adjustment_list") + "?status=returned",
                }
            )
    return panels
