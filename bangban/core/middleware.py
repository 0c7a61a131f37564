from __future__ import annotations

import logging

from django.conf import settings

from bangban.core.context import request_meta, reset_request_meta, set_request_meta
from bangban.core.errors import AccessRefused

log = logging.getLogger(__name__)

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


class HostValidationMiddleware:
    """First in MIDDLEWARE: nothing answers a request whose Host is not in ALLOWED_HOSTS.

    Django validates the host lazily, when something first calls request.get_host(); a layer that
    answered before that (a fast lane, a static file) served forged hosts. DisallowedHost becomes
    the usual 400 answer.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.get_host()
        return self.get_response(request)


class SecurityHeadersMiddleware:
    """A strict Content-Security-Policy: every asset is local, no inline script."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("Permissions-Policy", "geolocation=(), camera=(), microphone=()")
        return response


BAD_REQUEST = "请求含有不允许的字符（NUL），已拒绝"
# Bodies read here to look for NUL; larger bodies and uploads are checked by their own parsers.
CHECKED_BODY_TYPES = ("application/json", "application/x-www-form-urlencoded", "text/")
CHECKED_BODY_LIMIT = 1 << 20


class RejectNulMiddleware:
    """A NUL character anywhere in the path, query string, headers or a text body: a clean 400.

    No database stores NUL in text (PostgreSQL refuses it with an error), no header or identifier
    needs it, and a request carrying one is probing. Refusing it at the door keeps every view,
    raw statement and the token lookup from meeting it. Sits right after host validation, before anything reads the request.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # The Host is already validated: HostValidationMiddleware stands before this one.
        if _has_nul(request):
            return _bad_request(request)
        return self.get_response(request)


def _has_nul(request) -> bool:
    from urllib.parse import unquote_to_bytes

    meta = request.META
    if "\x00" in request.path or b"\x00" in unquote_to_bytes(meta.get("QUERY_STRING", "")):
        return True
    if any(
        "\x00" in value for key, value in meta.items() if key.startswith("HTTP_") and isinstance(value, str)
    ):
        return True
    content_type = meta.get("CONTENT_TYPE", "")
    try:
        length = int(meta.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    # A body beyond DATA_UPLOAD_MAX_MEMORY_SIZE is not read here: reading it would raise Django's
    # RequestDataTooBig (an HTML 400) before the API's parsers can refuse it in JSON.
    limit = min(CHECKED_BODY_LIMIT, settings.DATA_UPLOAD_MAX_MEMORY_SIZE or CHECKED_BODY_LIMIT)
    if 0 < length <= limit and content_type.startswith(CHECKED_BODY_TYPES):
        body = request.body
        if b"\x00" in body or b"\\u0000" in body:
            return True
        if content_type.startswith("application/x-www-form-urlencoded") and b"\x00" in unquote_to_bytes(
            body.replace(b"+", b" ")
        ):
            return True
    return False


def _bad_request(request):
    from django.http import HttpResponseBadRequest, JsonResponse

    if request.path.startswith("/api/"):
        body = {"code": "invalid_characters", "message": BAD_REQUEST}
        return JsonResponse(body, status=400, json_dumps_params={"ensure_ascii": False})
    from django.template import TemplateDoesNotExist, loader

    try:  # the site's 400 page where there is one
        return HttpResponseBadRequest(loader.render_to_string("400.html", {"message": BAD_REQUEST}, request))
    except TemplateDoesNotExist:
        return HttpResponseBadRequest(BAD_REQUEST, content_type="text/plain; charset=utf-8")


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = set_request_meta(request_meta(request))
        try:
            return self.get_response(request)
        finally:
            reset_request_meta(token)


def record_refusal(request, exc: AccessRefused) -> None:
    """Write the 'access.refused' audit row for a refused page or API request.

    The row records what was asked (method, path, the id in the URL), never the refused object's
    type, text or content: the readers of the trail may have no right to see it, and whether the
    object exists at all must not show either."""
    from bangban.audit.services import audit_record

    user = getattr(request, "user", None)
    match = getattr(request, "resolver_match", None)
    kwargs = match.kwargs if match is not None else {}
    asked = next((str(v) for k, v in kwargs.items() if k == "pk" or k.endswith("id")), "")
    try:
        audit_record(
            actor=user if user is not None and user.is_authenticated else None,
            action="access.refused",
            object_id=asked[:64],
            object_repr=f"{request.method} {request.path}"[:255],
            note=f"{request.method} {request.path}：{exc.message}（{exc.code}）",
        )
    except Exception:  # never turn a refusal into a server error
        log.exception("could not record refused access")


class AccessRefusedMiddleware:
    """Pages: record refused accesses; out-of-scope objects answer 404 so their existence is not revealed."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, AccessRefused):
            record_refusal(request, exception)
            from django.shortcuts import render

            from bangban.core.errors import NotInScope

            status = 404 if isinstance(exception, NotInScope) else 403
            return render(
                request, "core/refused.html", {"message": exception.message, "status": status}, status=status
            )
        return None
