"""The 工作台 is built from panels; each app contributes the panels its roles need.

A panel provider is a function (user) -> list[dict(title, value, label, url)], registered
in AppConfig.ready(); later features (cases, tasks, transfers, reviews) add theirs.
"""

from __future__ import annotations

from collections.abc import Callable

_PROVIDERS: list[tuple[int, Callable]] = []


def register(order: int, provider: Callable) -> None:
    if (order, provider) not in _PROVIDERS:
        _PROVIDERS.append((order, provider))
        _PROVIDERS.sort(key=lambda p: p[0])


def home_panels(user) -> list[dict]:
    panels: list[dict] = []
    for _order, provider in _PROVIDERS:
        panels.extend(provider(user))
    return panels
