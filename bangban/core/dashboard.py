"""The 工作台 is built from panels and sections; each app contributes what its roles need.

A panel provider is a function (user) -> list[dict(value, label, url, light?)], one count card each.
A section provider is a function (user) -> list[dict(template, slot, …)]: a block rendered by its
own template with the dict as `section`; slot "top" comes before the count cards, "main" after.
Both are registered in AppConfig.ready().
"""

from __future__ import annotations

from collections.abc import Callable

_PROVIDERS: list[tuple[int, Callable]] = []
_SECTIONS: list[tuple[int, Callable]] = []


def register(order: int, provider: Callable) -> None:
    if (order, provider) not in _PROVIDERS:
        _PROVIDERS.append((order, provider))
        _PROVIDERS.sort(key=lambda p: p[0])


def register_section(order: int, provider: Callable) -> None:
    if (order, provider) not in _SECTIONS:
        _SECTIONS.append((order, provider))
        _SECTIONS.sort(key=lambda p: p[0])


def home_panels(user) -> list[dict]:
    panels: list[dict] = []
    for _order, provider in _PROVIDERS:
        panels.extend(provider(user))
    return panels


def home_sections(user) -> dict[str, list[dict]]:
    """The sections by slot ("top", "main")."""
    slots: dict[str, list[dict]] = {"top": [], "main": []}
    for _order, provider in _SECTIONS:
        for section in provider(user):
            slots[section.get("slot", "main")].append(section)
    return slots
