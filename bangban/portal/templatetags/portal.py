"""The public shell's pieces: navigation, the 关怀版 switch, the footer with the host's contact."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import quote

from django import template
from django.urls import Resolver404, resolve, reverse

from bangban.portal import selectors

register = template.Library()

# (label, URL name or path). Entries whose page is not on this site are left out: "/knowledge/" is the
# knowledge base's public search (knowledge app), shown while that URL resolves.
NAV = [
    ("首页", "portal:home"),
    ("办事指南", "public_catalog:search"),
    ("一件事", "public_catalog:bundles"),
    ("知识库", "/knowledge/"),
    ("在线求助", "portal:help"),
    ("进度查询", "portal:track"),
    ("无障碍", "portal:accessibility"),
]


@lru_cache(maxsize=32)
def _href(target: str) -> str | None:
    if not target.startswith("/"):
        return reverse(target)
    try:
        resolve(target)
    except Resolver404:
        return None
    return target


def _current(path: str, href: str) -> bool:
    if href == "/":
        return path == "/"
    if href == "/items/":  # 办事指南 holds the guides, not the 一件事 pages
        return path.startswith(href) and not path.startswith("/items/bundles/")
    return path.startswith(href)


@register.inclusion_tag("portal/_nav.html", takes_context=True)
def portal_nav(context):
    path = context["request"].path
    entries = []
    for label, target in NAV:
        href = _href(target)
        if href is not None:
            entries.append({"label": label, "href": href, "current": _current(path, href)})
    return {"entries": entries}


@register.inclusion_tag("portal/_care_switch.html", takes_context=True)
def care_switch(context):
    request = context["request"]
    here = request.path + (f"?{request.META['QUERY_STRING']}" if request.META.get("QUERY_STRING") else "")
    return {"next": quote(here[:500], safe="/")}


@register.inclusion_tag("portal/_footer.html")
def portal_footer():
    return {"host": selectors.host_contact()}
