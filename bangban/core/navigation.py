"""The staff navigation: each entry shows only to users who may open the page it leads to.

A page declares who may open it with `@requires(cap, ...)`; the declaration is the check the
view runs *and* the test navigation applies (`may_open`), so a link can never lead its reader
to a refusal. Apps add their entries in AppConfig.ready() through `register`, so the shell needs
no edits when a feature arrives; page-level tabs use the `navlink` template tag.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache, wraps

from django.urls import resolve, reverse


@dataclass(frozen=True)
class NavEntry:
    label: str
    url_name: str
    # Optional extra condition; who may open the page is read from the view itself.
    cap: str | None
    order: int
    icon: str = ""


_ENTRIES: list[NavEntry] = []


def register(entry: NavEntry) -> None:
    if entry not in _ENTRIES:
        _ENTRIES.append(entry)
        _ENTRIES.sort(key=lambda e: e.order)
        for kept in (_entries_for_caps, _links, _nav_html):
            kept.cache_clear()


def requires(*caps: str, message: str = "您的角色无权访问此页面"):
    """View decorator: the user must hold one of `caps` (AccessRefused → 403, audited).

    Put it under @login_required. Navigation reads the same `required_caps`.
    """

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            from bangban.accounts.permissions import has_cap
            from bangban.core.errors import AccessRefused

            if not any(has_cap(request.user, cap) for cap in caps):
                raise AccessRefused("capability_required", message)
            return view(request, *args, **kwargs)

        wrapped.required_caps = frozenset(caps)
        return wrapped

    return decorate


@lru_cache(maxsize=256)
def required_caps(url_name: str) -> frozenset[str] | None:
    """The capabilities the page behind `url_name` declares (None: every signed-in user)."""
    return getattr(resolve(reverse(url_name)).func, "required_caps", None)


def may_open(user, url_name: str) -> bool:
    return getattr(user, "is_authenticated", False) and _opens(user.capabilities, url_name)


def _opens(caps: frozenset[str], url_name: str) -> bool:
    """A holder of `caps` may open the page behind `url_name` (what it declares with @requires)."""
    required = required_caps(url_name)
    return required is None or bool(required & caps)


def entries_for(user) -> list[NavEntry]:
    if not getattr(user, "is_authenticated", False):
        return []
    return list(_entries_for_caps(user.capabilities))


@lru_cache(maxsize=128)
def _entries_for_caps(caps: frozenset[str]) -> tuple[NavEntry, ...]:
    """The entries a signed-in holder of `caps` sees (has_cap and may_open for that user): the same
    for every user with the same roles, so worked out once per set of capabilities."""
    return tuple(e for e in _ENTRIES if (e.cap is None or e.cap in caps) and _opens(caps, e.url_name))


def nav_html(user, path: str) -> str:
    """The side navigation of `user` on the page at `path`: their entries, the one whose address is
    the longest prefix of the path marked current. Every staff page draws it, so it is rendered once
    per set of capabilities and current entry, not once per request."""
    links = _links(user.capabilities)
    matches = [url for _label, url in links if path == url or (url != "/" and path.startswith(url))]
    return _nav_html(user.capabilities, max(matches, key=len, default=None))


@lru_cache(maxsize=128)
def _links(caps: frozenset[str]) -> tuple[tuple[str, str], ...]:
    return tuple((e.label, reverse(e.url_name)) for e in _entries_for_caps(caps))


@lru_cache(maxsize=512)
def _nav_html(caps: frozenset[str], current: str | None) -> str:
    from django.template.loader import render_to_string

    items = [{"label": label, "url": url, "active": url == current} for label, url in _links(caps)]
    return render_to_string("core/_nav.html", {"nav_items": items})
