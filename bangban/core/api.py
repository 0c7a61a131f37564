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


def _select(model, alias: str) -> tuple[list[str], list[str], list]:
    """Attribute names, quoted columns and value converters of a model's concrete fields."""
    from django.db import connection

    names, columns, converters = [], [], []
    for field in model._meta.concrete_fields:
        col = field.get_col(alias)
        names.append(field.attname)
        columns.append(f'{alias}."{field.column}"')
        converters.append(
            [(f, col) for f in connection.ops.get_db_converters(col) + field.get_db_converters(connection)]
        )
    return names, columns, converters


@functools.cache
def _principal_statement(vendor: str):
    """One statement for token, user, institution, division and roles (built once per process)."""
    from rest_framework.authtoken.models import Token

    from bangban.accounts.models import User
    from bangban.divisions.models import Division
    from bangban.org.models import Institution

    parts = [
        (model, *_select(model, alias))
        for model, alias in ((Token, "t"), (User, "u"), (Institution, "i"), (Division, "d"))
    ]
    roles = "string_agg(r.role, ',')" if vendor == "postgresql" else "group_concat(r.role, ',')"
    sql = (
        f"SELECT {', '.join(c for p in parts for c in p[2])}, "
        f"(SELECT {roles} FROM accounts_roleassignment r WHERE r.user_id = u.id) "
        "FROM authtoken_token t JOIN accounts_user u ON u.id = t.user_id "
        "LEFT JOIN org_institution i ON i.id = u.institution_id "
        "LEFT JOIN divisions_division d ON d.code = i.division_id "
        "WHERE t.key = %s"
    )
    return sql, parts


def _instance(model, names, converters, values, connection):
    if values[0] is None:  # the primary key: no row on that side of the LEFT JOIN
        return None
    converted = []
    for value, chain in zip(values, converters, strict=True):
        for converter, col in chain:
            value = converter(value, col, connection)
        converted.append(value)
    return model.from_db(connection.alias, names, converted)


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
    for model, names, _columns, converters in parts:
        chunk = values[start : start + len(names)]
        start += len(names)
        objects.append(_instance(model, names, converters, chunk, connection))
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
