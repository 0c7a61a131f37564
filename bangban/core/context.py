"""Per-request facts (client IP, user agent, path) that services record without being handed the request.

Set by RequestContextMiddleware for web and API requests; empty for commands and tasks.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestMeta:
    ip: str | None = None
    user_agent: str = ""
    path: str = ""


_EMPTY = RequestMeta()
_current: ContextVar[RequestMeta] = ContextVar("bangban_request_meta", default=_EMPTY)  # noqa: B039 (frozen)


def current_request_meta() -> RequestMeta:
    return _current.get()


def set_request_meta(meta: RequestMeta):
    return _current.set(meta)


def reset_request_meta(token) -> None:
    _current.reset(token)


def client_ip(request) -> str | None:
    # Behind the production proxy the client address is the first X-Forwarded-For entry;
    # only trusted when the deployment says a proxy is in front (BANGBAN_TRUST_PROXY).
    from django.conf import settings

    if getattr(settings, "BANGBAN_TRUST_PROXY", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


def request_meta(request) -> RequestMeta:
    """What the audit trail records about a request: client address, user agent, path."""
    return RequestMeta(
        ip=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:255],
        path=request.path[:255],
    )
