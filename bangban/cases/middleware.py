"""The work queue's fast lane: GET /api/v1/cases/ with an API token, answered before the rest of the stack.

An agent's queue is the platform's most frequent request (integrations and counter screens poll it).
Through the full stack it costs about 2 ms of CPU, most of it framework: sessions, locale, CSRF,
URL resolution, DRF's request, negotiation and rendering. This middleware sits right after the
security-header middlewares and answers the ordinary case itself with the very functions the DRF
view uses (the token principal, cases.queue.listing) and the same headers, in about a third of that.

Anything else falls through to the full stack untouched: other paths and methods, session
authentication, an unknown or inactive token, a password that must be changed, a role that cannot
read cases, a browser asking for HTML, unknown or malformed parameters. The tests compare both
paths' status, headers and body for users, filters and pages (cases/tests/test_fast_lane.py).
BANGBAN_QUEUE_FAST_LANE=false turns it off.
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

PATH = "/api/v1/cases/"
JSON_ACCEPTS = frozenset({"", "*/*", "application/json"})


class WorkQueueFastLane:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = None
        if request.path_info == PATH and request.method == "GET" and settings.BANGBAN_QUEUE_FAST_LANE:
            response = self._answer(request)
        return response if response is not None else self.get_response(request)

    def _answer(self, request) -> HttpResponse | None:
        meta = request.META
        scheme, _, key = meta.get("HTTP_AUTHORIZATION", "").partition(" ")
        if scheme != "Token" or not key or " " in key or meta.get("HTTP_ACCEPT", "") not in JSON_ACCEPTS:
            return None
        params = request.GET
        if not params.keys() <= queue.PARAMS or any(len(params.getlist(k)) > 1 for k in params):
            return None
        try:
            number, size = queue.window(params)
        except ValueError:
            return None
        principal = load_principal(key)
        if principal is None:
            return None
        user = principal[0]
        if not user.is_active or user.must_change_password or not can_read_cases(user):
            return None
        request.user = user
        body = orjson.dumps(queue.listing(request, user, number, size))
        response = HttpResponse(body, content_type="application/json")
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
