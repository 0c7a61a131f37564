"""The public shell's pieces: navigation, the 关怀版 switch, the footer with the host's contact.

Every public page draws them, so what does not depend on the page is drawn once per process: the
links (`_href`), the navigation for each choice of current entry and the footer for each host."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import quote

from django import template
from django.template.loader import render_to_string
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


@register.simple_tag
def portal_href(target: str) -> str:
    """The address of a page of the shell (a URL name without arguments), worked out once."""
    return _href(target)


def _nav_entries() -> list[tuple[str, str]]:
    return [(label, href) for label, href in ((label, _href(target)) for label, target in NAV) if href]


@lru_cache(maxsize=16)
def _nav_html(current: tuple[bool, ...]) -> str:
    entries = [
        {"label": label, "href": href, "current": is_current}
        for (label, href), is_current in zip(_nav_entries(), current, strict=True)
    ]
    return render_to_string("portal/_nav.html", {"entries": entries})


@register.simple_tag(takes_context=True)
def portal_nav(context):
    path = context["request"].path
    return _nav_html(tuple(_current(path, href) for _, href in _nav_entries()))  # rendered: safe


@register.inclusion_tag("portal/_care_switch.html", takes_context=True)
def care_switch(context):
    request = context["request"]
    here = request.path + (f"?{request.META['QUERY_STRING']}" if request.META.get("QUERY_STRING") else "")
    return {
        "next": quote(here[:500], safe="/"),
        "on": _href("portal:care_on"),
        "off": _href("portal:care_off"),
    }


@lru_cache(maxsize=4)
def _footer_html(host) -> str:
    return render_to_string(
        "portal/_footer.html",
        {"host": host, "accessibility": _href("portal:accessibility"), "staff": _href("core:home")},
    )


@register.simple_tag
def portal_footer():
    return _footer_html(selectors.host_contact())  # rendered: safe
