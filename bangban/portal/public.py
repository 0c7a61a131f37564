"""Which pages are public, declared once.

A public page shows nothing about the visitor: it is served without looking at the session (so no
`Vary: Cookie`, no session refresh, no idle logout on it), and the cacheable ones tell a proxy it may
keep them for a short while. Pages are named by URL name or namespace, so the catalog's and the case
tracking's views need no change to be served this way.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.urls import Resolver404, resolve
from django.utils.cache import patch_cache_control
from django.views.decorators.cache import cache_page

from bangban.core.handler import resolve_early

# Namespaces whose every page is public, and single public pages of other apps.
PUBLIC_NAMESPACES = frozenset({"portal", "public_catalog"})
# The bookings app also has staff pages (slot templates, the signature pad at the window): only these
# four are public. They post forms with a CSRF token and SMS codes, so none of them is cacheable.
PUBLIC_VIEWS = frozenset(
    {"cases:track", "bookings:ask", "bookings:track_lookup", "bookings:manage", "bookings:sign_public"}
    # The knowledge base's search and articles; the citizen's rating pages (SMS link, tracking page):
    # they post a form with a CSRF token, so they are not cacheable.
    | {"knowledge:search", "knowledge:article", "evaluations:public_review", "evaluations:track_review"}
    # Remote help from home (issue 12): the call form and the session reached by the call's secret token.
    | {"remote:public_help", "remote:public_session", "remote:public_events", "remote:public_post"}
    | {"remote:public_hangup"}
    | {"projects:track"}  # key projects: the investor's progress page (issue 13)
)
# Same answer for everyone: a proxy may serve them for CACHE_SECONDS.
CACHEABLE_VIEWS = frozenset(
    {
        "portal:home",
        "portal:search",
        "portal:help",
        "portal:track",
        "portal:accessibility",
        "public_catalog:search",
        "public_catalog:guide",
        "public_catalog:bundles",
        "public_catalog:bundle",
        "knowledge:search",
        "knowledge:article",
    }
)
CACHE_SECONDS = 60


# Never public pages: answered without resolving the path twice.
NOT_PAGES = ("/api/", "/static/", "/admin/")


def public_view_name(path: str) -> str | None:
    """The URL name of a public page at `path`, or None."""
    if path.startswith(NOT_PAGES):
        return None
    try:
        return _public_name(resolve(path))
    except Resolver404:
        return None


def _public_name(match) -> str | None:
    if match.namespace in PUBLIC_NAMESPACES or match.view_name in PUBLIC_VIEWS:
        return match.view_name
    return None


def _request_public_name(request) -> str | None:
    """public_view_name of the request's path, resolved once for the request (core.handler)."""
    if request.path_info.startswith(NOT_PAGES):
        return None
    try:
        return _public_name(resolve_early(request))
    except Resolver404:
        return None


class PublicPageMiddleware:
    """Right after authentication: on a public page the visitor is anonymous to everything that follows
    (the idle-timeout and password-change checks, context processors), so the session is never read.
    A signed-in staff member reaches the 工作台 from the portal's 工作人员 link."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        name = _request_public_name(request)
        if name is None:
            return self.get_response(request)
        request.user = AnonymousUser()
        request.public_view_name = name
        response = self.get_response(request)
        if (
            name in CACHEABLE_VIEWS
            and request.method in ("GET", "HEAD")
            and response.status_code == 200
            and not response.cookies
        ):
            patch_cache_control(response, public=True, max_age=CACHE_SECONDS)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        """The cacheable pages are also kept in the app's cache (Redis in production) for CACHE_SECONDS,
        keyed by URL: with no proxy in front, 16 citizens opening the home cost one rendering a minute
        (bench/public_load.py: the home took 8 ms a request at 1 client, 164 ms at 16 on two workers)."""
        if getattr(request, "public_view_name", None) not in CACHEABLE_VIEWS:
            return None
        cached = _CACHED.get(view_func)
        if cached is None:
            cached = _CACHED[view_func] = cache_page(CACHE_SECONDS, key_prefix="public")(view_func)
        return cached(request, *view_args, **view_kwargs)


_CACHED: dict = {}
