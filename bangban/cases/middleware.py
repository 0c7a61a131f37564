"""The work queue's fast lane: token-authenticated GET /api/v1/cases/, answered before the rest of the stack.

An agent's queue is the platform's most frequent request (integrations and counter screens poll it).
Through the full stack it spends about 1 ms of CPU in framework alone: sessions, locale, CSRF, URL
resolution, DRF's request, negotiation and rendering. This middleware sits right after host
validation and the security-header middlewares and answers the ordinary case itself with the very
functions the DRF view uses: the token check (core.api.authenticate_token: expiry, revocation,
lockout, active account, throttle) and cases.queue.listing, with the same headers.

Anything else falls through to the full stack untouched: other paths and methods, session
authentication, a token the check refuses (the full stack then answers with the refusal already
recorded once), a password that must be changed, a role that cannot read cases, a browser asking for
HTML, unknown or malformed parameters. The tests compare both paths' status, headers and bodies
(cases/tests/test_fast_lane.py). BANGBAN_QUEUE_FAST_LANE=false turns it off. (Registration had a
POST lane too; it measured within noise of the full stack and was removed.)
"""

from __future__ import annotations

import orjson
from django.conf import settings
from django.http import HttpResponse
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language
from rest_framework.exceptions import APIException

from bangban.cases import queue
from bangban.cases.selectors import can_read_cases
from bangban.core.api import token_principal

PATH = "/api/v1/cases/"
JSON_ACCEPTS = frozenset({"", "*/*", "application/json"})


class WorkQueueFastLane:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = None
        if request.path_info == PATH and request.method == "GET" and settings.BANGBAN_QUEUE_FAST_LANE:
            response = self._queue(request)
        return response if response is not None else self.get_response(request)

    def _principal(self, request):
        """The token's active user, or None (the full stack then answers)."""
        if request.META.get("HTTP_ACCEPT", "") not in JSON_ACCEPTS:
            return None
        try:
            principal = token_principal(request)
        except APIException:
            return None  # the full stack answers with the refusal already recorded
        if principal is None:
            return None
        user = principal[0]
        if user.must_change_password or not can_read_cases(user):
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
