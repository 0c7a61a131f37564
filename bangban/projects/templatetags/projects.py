"""The key-project section of the case page: `{% load projects %}{% case_projects case %}` links the
project (and its items) a 代办 case carries (services.item_start)."""

from django import template

from bangban.projects import selectors

register = template.Library()


@register.inclusion_tag("projects/_case_links.html")
def case_projects(case):
    return {"links": selectors.case_links(case)}
