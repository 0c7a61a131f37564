from django import template
from django.urls import reverse

from bangban.core.html import format_html
from bangban.core.navigation import may_open

register = template.Library()


@register.simple_tag(takes_context=True)
def navlink(context, url_name: str, label: str, current: str = "", key: str = ""):
    """A tab link shown only to users who may open its page (the same check the page runs)."""
    user = context.get("user") or getattr(context.get("request"), "user", None)
    if user is None or not may_open(user, url_name):
        return ""
    if key and current == key:
        return format_html('<a href="{}" aria-current="page" class="active">{}</a>', reverse(url_name), label)
    return format_html('<a href="{}">{}</a>', reverse(url_name), label)


@register.filter(name="may_open")
def may_open_filter(url_name: str, user) -> bool:
    """{% if "audit:list"|may_open:user %}: a link shown only to who may follow it."""
    return may_open(user, url_name)
