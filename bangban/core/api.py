"""Shared API pieces: the staff permission and pagination (errors: core.api_errors)."""

from __future__ import annotations

import functools

from rest_framework import authentication, exceptions, permissions
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


@functools.cache
def _principal_statement(vendor: str):
    """One statement for token, user, institution, division and roles (built once per process)."""
    from rest_framework.authtoken.models import Token

    from bangban.accounts.models import User
    from bangban.core.db.rows import selection
    from bangban.divisions.models import Division
    from bangban.org.models import Institution

    parts = [
        selection(model, alias)
        for model, alias in ((Token, "t"), (User, "u"), (Institution, "i"), (Division, "d"))
    ]
    roles = "string_agg(r.role, ',')" if vendor == "postgresql" else "group_concat(r.role, ',')"
    sql = (
        f"SELECT {', '.join(p.sql for p in parts)}, "
        f"(SELECT {roles} FROM accounts_roleassignment r WHERE r.user_id = u.id) "
        "FROM authtoken_token t JOIN accounts_user u ON u.id = t.user_id "
        "LEFT JOIN org_institution i ON i.id = u.institution_id "
        "LEFT JOIN divisions_division d ON d.code = i.division_id "
        "WHERE t.key = %s"
    )
    return sql, parts


def load_principal(key: str):
    """(user, token) for an API token key, with the user's institution, division and roles loaded.

    Every API request starts here, so it is one (prepared, on PostgreSQL) statement instead of an
    ORM query per relation: the user arrives ready for scoping (institution path) and capability
    checks (roles). None for an unknown key.
    """
    from django.db import connection

    sql, parts = _principal_statement(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, [key])
        row = cursor.fetchone()
    if row is None:
        return None
    roles, values = row[-1], row[:-1]
    objects, start = [], 0
    for part in parts:
        objects.append(part.instance(values[start : start + len(part.names)]))
        start += len(part.names)
    token, user, institution, division = objects
    if institution is not None:
        institution._state.fields_cache["division"] = division
    user._state.fields_cache["institution"] = institution
    user.__dict__["role_codes"] = frozenset(roles.split(",")) if roles else frozenset()
    token._state.fields_cache["user"] = user
    return user, token


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication with the principal loaded in one statement (see load_principal)."""

    def authenticate_credentials(self, key):
        principal = load_principal(key)
        if principal is None:
            raise exceptions.AuthenticationFailed("令牌无效")
        if not principal[0].is_active:
            raise exceptions.AuthenticationFailed("账号已停用")
        return principal
