"""The staff navigation: each entry shows only to users holding its capability.

Apps add their entries in AppConfig.ready() through `register`, so the shell needs no
edits when a feature arrives.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NavEntry:
    label: str
    url_name: str
    cap: str | None
    order: int
    icon: str = ""


_ENTRIES: list[NavEntry] = []


def register(entry: NavEntry) -> None:
    if entry not in _ENTRIES:
        _ENTRIES.append(entry)
        _ENTRIES.sort(key=lambda e: e.order)


def entries_for(user) -> list[NavEntry]:
    from bangban.accounts.permissions import has_cap

    return [e for e in _ENTRIES if e.cap is None or has_cap(user, e.cap)]
