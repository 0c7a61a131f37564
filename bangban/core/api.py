"""Shared API pieces: the staff permission, pagination and the fast JSON renderer (errors:
core.api_errors)."""

from __future__ import annotations

import functools

import orjson
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions, renderers
from rest_framework.pagination import PageNumberPagination


class IsActiveStaff(permissions.BasePermission):
    message = "请先登录"

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        if user.must_change_password:
            raise exceptions.PermissionDenied(
                detail="您的密码由管理员设置，请先修改密码", code="password_change_required"
            )
        return True


class Pagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 200


class JSONRenderer(renderers.JSONRenderer):
    """DRF's JSON answer written by orjson: the same bytes, for an answer of text, integers, booleans,
    nulls, lists and dicts (what DRF's own encoder converts, e.g. Decimal or a date, it converts here
    too). For views whose answers are large: the indicators grouped by agent (760 KB) took 6.6 ms to
    encode with the json module, 0.4 ms here. Floats are written in orjson's shortest form, so a view
    that answers floats keeps DRF's renderer. An indented answer (`Accept: application/json;
    indent=4`) and non-default JSON settings go through DRF's own renderer."""

    _default = staticmethod(renderers.JSONRenderer.encoder_class().default)
    _options = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if (
            data is None
            or self.ensure_ascii
            or not self.compact
            or self.get_indent(accepted_media_type, renderer_context or {}) is not None
        ):
            return super().render(data, accepted_media_type, renderer_context)
        out = orjson.dumps(data, default=self._default, option=self._options)
        # DRF escapes U+2028 and U+2029 (JSON that is also valid JavaScript); so do we.
        if b"\xe2\x80\xa8" in out or b"\xe2\x80\xa9" in out:
            out = out.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")
        return out


@functools.cache
def _principal_statement(vendor: str):
    """One statement for token, user, institution, division, roles and the client's lockout."""
    from bangban.accounts.models import ApiToken, LoginFailure, User
    from bangban.core.db.rows import selection
    from bangban.divisions.models import Division
    from bangban.org.models import Institution

    parts = [
        selection(model, alias, attnames)
        for model, alias, attnames in (
            (ApiToken, "t", None),
            (User, "u", None),
            (Institution, "i", None),
            (Division, "d", None),
            (LoginFailure, "f", ("locked_until",)),
        )
    ]
    roles = "string_agg(r.role, ',')" if vendor == "postgresql" else "group_concat(r.role, ',')"
    sql = (
        f"SELECT {', '.join(p.sql for p in parts)}, "
        f"(SELECT {roles} FROM accounts_roleassignment r WHERE r.user_id = u.id) "
        "FROM accounts_apitoken t JOIN accounts_user u ON u.id = t.owner_id "
        "LEFT JOIN org_institution i ON i.id = u.institution_id "
        "LEFT JOIN divisions_division d ON d.code = i.division_id "
        "LEFT JOIN accounts_loginfailure f ON f.username = u.username AND f.client = %s "
        "WHERE t.key_id = %s"
    )
    return sql, parts


def load_principal(key_id: str, client: str = ""):
    """(user, token) for an API token's key id, with the user's institution, division, roles and
    lockout from `client` loaded; None for an unknown id. Checking the token is
    accounts.services.token_authenticate's job.

    Every API request starts here, so it is one (prepared, on PostgreSQL) statement instead of an
    ORM query per relation: the user arrives ready for scoping (institution path) and capability
    checks (roles).
    """
    from django.db import connection

    sql, parts = _principal_statement(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, [client, key_id])
        row = cursor.fetchone()
    if row is None:
        return None
    roles, values = row[-1], row[:-1]
    objects, start = [], 0
    for part in parts:
        objects.append(part.instance(values[start : start + len(part.names)]))
        start += len(part.names)
    token, user, institution, division, failure = objects
    if institution is not None:
        institution._state.fields_cache["division"] = division
    user._state.fields_cache["institution"] = institution
    user.__dict__["role_codes"] = frozenset(roles.split(",")) if roles else frozenset()
    user.__dict__["locked_until"] = failure.locked_until if failure is not None else None
    token._state.fields_cache["owner"] = user
    return user, token


class TooManyAttempts(exceptions.APIException):
    status_code = 429
    default_code = "throttled"

    def __init__(self, detail: str, wait: int):
        super().__init__(detail, self.default_code)
        self.wait = wait  # DRF's handler turns it into Retry-After


def token_principal(request):
    """(user, token) for the request's `Authorization: Token …` header, None without one.

    The one token check (accounts.services.token_authenticate); the outcome is kept on the
    request, so a request that asks twice is not checked, counted or audited twice.
    Raises AuthenticationFailed or TooManyAttempts.
    """
    from bangban.accounts import services
    from bangban.core.context import client_ip

    request = getattr(request, "_request", request)  # DRF's Request wraps Django's
    outcome = request.__dict__.get("_bangban_token")
    if outcome is None:
        scheme, _, key = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        if scheme.lower() != "token":
            return None
        try:
            outcome = services.token_authenticate(key=key.strip(), client=client_ip(request) or "")
        except services.TooManyAttempts as exc:
            outcome = TooManyAttempts(exc.message, exc.retry_after)
        except services.TokenRefused as exc:
            outcome = exceptions.AuthenticationFailed(exc.message, exc.code)
        request._bangban_token = outcome
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


class TokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Token bb_…` through the one token check (token_principal)."""

    keyword = "Token"

    def authenticate(self, request):
        return token_principal(request)

    def authenticate_header(self, request):
        return self.keyword


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    """The token scheme in the OpenAPI schema (the name DRF's own token scheme had)."""

    target_class = TokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token bb_…`：在「API 令牌」页面或 /api/v1/tokens/ 签发的令牌",
        }
