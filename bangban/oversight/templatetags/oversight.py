"""The 督办 section of the case and complaint pages: `{% load oversight %}{% case_oversight case %}`,
`{% complaint_oversight complaint %}`."""

from django import template

from bangban.accounts.permissions import has_cap
from bangban.accounts.roles import Cap
from bangban.cases import clock
from bangban.org.selectors import institution_in_scope
from bangban.oversight import selectors, services

register = template.Library()


@register.inclusion_tag("oversight/_case_box.html", takes_context=True)
def case_oversight(context, case):
    user = context["request"].user
    today = clock.today()
    orders = list(selectors.orders_of_case(user=user, case=case))
    for order in orders:
        order.late = order.is_late(today)
    can_issue = (
        has_cap(user, Cap.SUPERVISION_ISSUE)
        and institution_in_scope(user, case.institution)
        and services.case_issuable(case=case)
        and not any(o.state != "closed" for o in orders)
    )
    return {"case": case, "orders": orders, "can_issue": can_issue}


@register.inclusion_tag("oversight/_complaint_box.html", takes_context=True)
def complaint_oversight(context, complaint):
    user = context["request"].user
    today = clock.today()
    orders = list(selectors.orders_of_complaint(user=user, complaint=complaint))
    for order in orders:
        order.late = order.is_late(today)
    can_issue = (
        has_cap(user, Cap.SUPERVISION_ISSUE)
        and institution_in_scope(user, complaint.institution)
        and services.complaint_issuable(complaint=complaint)
        and not any(o.state != "closed" for o in orders)
    )
    return {"complaint": complaint, "orders": orders, "can_issue": can_issue}
