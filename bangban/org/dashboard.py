from django.urls import reverse

from bangban.accounts.permissions import has_cap
from bangban.accounts.roles import Cap


def org_panels(user) -> list[dict]:
    """工作台 figures for those who run the organization: institutions, staff, locked accounts."""
    from bangban.accounts.selectors import locked_staff, staff_list
    from bangban.org.selectors import institutions_in_scope

    panels = []
    if has_cap(user, Cap.ORG_MANAGE):
        panels.append(
            {
                "value": institutions_in_scope(user).filter(is_active=True).count(),
                "label": "管辖范围内的服务机构",
                "url": reverse("org:institution_list"),
            }
        )
    if has_cap(user, Cap.STAFF_VIEW):
        staff = staff_list(user=user)
        panels.append(
            {
                "value": staff.filter(is_active=True).count(),
                "label": "在岗工作人员",
                "url": reverse("accounts:staff_list"),
            }
        )
        locked = locked_staff(user=user).count()
        if locked and has_cap(user, Cap.STAFF_MANAGE):
            panels.append({"value": locked, "label": "被锁定的账号", "url": reverse("accounts:staff_list")})
    return panels
