"""The app server's WSGI handler, resolving each request's path once.

A middleware that must know the view before Django resolves it (portal.public: public pages are
served without the session) resolved the path a second time: two walks of the whole URLconf a request
(about 35 µs each; the remote-help endpoints answer hundreds a second). It resolves through
resolve_early, which leaves the match on the request, and the app server's handler (bangban.wsgi)
takes it instead of resolving again. Imports nothing of the apps: bangban.wsgi loads it before setup.
"""

from __future__ import annotations


def resolve_early(request):
    """Resolve request.path_info now (Resolver404 if nothing matches) and keep the match for the
    handler."""
    from django.urls import resolve

    match = resolve(request.path_info)
    request.resolver_match, request.resolved_path = match, request.path_info
    return match


def _handler_class():
    from django.core.handlers.wsgi import WSGIHandler

    class Handler(WSGIHandler):
        """Django's WSGI handler that takes the match resolve_early left for the same path (and the
        default URLconf)."""

        def resolve_request(self, request):
            match = getattr(request, "resolver_match", None)
            if (
                match is not None
                and getattr(request, "resolved_path", None) == request.path_info
                and not hasattr(request, "urlconf")
            ):
                return match
            return super().resolve_request(request)

    return Handler


def wsgi_application():
    """django.core.wsgi.get_wsgi_application() with that handler."""
    import django

    django.setup(set_prefix=False)
    return _handler_class()()
