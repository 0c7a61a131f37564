from django import template

from bangban.evaluations import selectors

register = template.Library()


@register.inclusion_tag("evaluations/_case_reviews.html", takes_context=True)
def case_reviews(context, case):
    """The case page's 评价 section: its reviews (for readers of reviews) and the window button."""
    from bangban.accounts.permissions import has_cap
    from bangban.accounts.roles import Cap

    user = context["request"].user
    return {
        "case": case,
        "reviews": selectors.reviews_of_case(user=user, case=case),
        "can_rate": has_cap(user, Cap.REVIEW_HANDLE),
        "can_read": selectors.can_read(user),
    }
