"""The cases API's fast lane: token-authenticated GET and POST /api/v1/cases/, answered before the rest of the stack.

An agent's queue is the platform's most frequent request (integrations and counter screens poll it)
and registration at the window its most frequent write. Through the full stack each spends about
1 ms of CPU in framework alone: sessions, locale, CSRF, URL resolution, DRF's request, negotiation
and rendering. This middleware sits right after the security-header middlewares and answers the
ordinary case itself with the very functions the DRF view uses (the token principal,
cases.queue.listing; CaseCreateSerializer, services.case_create and the same response builder), with
the same headers and the same request facts for the audit trail.

Anything else falls through to the full stack untouched: other paths and methods, session
authentication, an unknown or inactive token, a password that must be changed, a role that cannot
read cases, a browser asking for HTML, unknown or malformed parameters, a body that is not valid
JSON or does not validate. A registration the service refuses (ServiceError, AccessRefused) has
written nothing (its transaction rolled back) and is handed to the full stack, which gives the usual
answer and records a refusal once. The tests compare both paths' status, headers, bodies and rows
(cases/tests/test_fast_lane.py). BANGBAN_QUEUE_FAST_LANE=false turns it off.
"""

from __future__ import annotations

import orjson
from django.conf import settings
from django.http import HttpResponse
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language

from bangban.cases import queue
from bangban.cases.selectors import can_read_cases
from bangban.core.api import load_principal
from bangban.core.context import request_meta, reset_request_meta, set_request_meta
from bangban.core.errors import AccessRefused, ServiceError

PATH = "/api/v1/cases/"
JSON_ACCEPTS = frozenset({"", "*/*", "application/json"})


class WorkQueueFastLane:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = None
        if request.path_info == PATH and settings.BANGBAN_QUEUE_FAST_LANE:
            if request.method == "GET":
                response = self._queue(request)
            elif request.method == "POST":
                response = self._register(request)
        return response if response is not None else self.get_response(request)

    def _principal(self, request):
        """The token's active user, or None (the full stack then answers)."""
        meta = request.META
        scheme, _, key = meta.get("HTTP_AUTHORIZATION", "").partition(" ")
        if scheme != "Token" or not key or " " in key or meta.get("HTTP_ACCEPT", "") not in JSON_ACCEPTS:
            return None
        principal = load_principal(key)
        if principal is None:
            return None
        user = principal[0]
        if not user.is_active or user.must_change_password or not can_read_cases(user):
            return None
        request.user = user
        return user

    def _queue(self, request) -> HttpResponse | None:
        params = request.GET
        if not params.keys() <= queue.PARAMS or any(len(params.getlist(k)) > 1 for k in params):
            return None
        try:
            number, size = queue.window(params)
        except ValueError:
            return None
        user = self._principal(request)
        if user is None:
            return None
        return _json(queue.listing(request, user, number, size), 200)

    def _register(self, request) -> HttpResponse | None:
        from bangban.cases import api

        if request.content_type != "application/json" or request.GET:
            return None
        try:
            data = orjson.loads(request.body)
        except orjson.JSONDecodeError:
            return None
        if not isinstance(data, dict):
            return None
        user = self._principal(request)
        if user is None:
            return None
        serializer = api.CaseCreateSerializer(data=data)
        if not serializer.is_valid():
            return None
        token = set_request_meta(request_meta(request))
        try:
            case = api.register(user, dict(serializer.validated_data))
        except (ServiceError, AccessRefused):
            return None  # nothing was written; the full stack answers and records a refusal
        finally:
            reset_request_meta(token)
        return _json(api.created_response_body(case), 201)


def _json(data, status: int) -> HttpResponse:
    body = orjson.dumps(data)
    response = HttpResponse(body, content_type="application/json", status=status)
    # What the skipped layers add: DRF (Vary: Accept, Allow), the locale middleware
    # (Content-Language, Vary: Accept-Language), the session middleware (Vary: Cookie, as the
    # idle-timeout check reads the session), the common middleware (Content-Length) and the
    # clickjacking middleware.
    patch_vary_headers(response, ("Accept", "Accept-Language", "Cookie"))
    response.headers["Content-Length"] = str(len(body))
    response.headers["Allow"] = "GET, POST, HEAD, OPTIONS"
    response.headers["Content-Language"] = get_language()
    response.headers["X-Frame-Options"] = settings.X_FRAME_OPTIONS
    return response
