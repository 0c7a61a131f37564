from django import template

from bangban.knowledge import selectors

register = template.Library()


@register.inclusion_tag("knowledge/_case_panel.html")
def knowledge_panel(case_items):
    """相关知识 on the case page: published articles about the case's items (one query)."""
    version_ids = [ci.item_version_id for ci in case_items]
    return {"articles": selectors.articles_for_versions(version_ids=version_ids)}
