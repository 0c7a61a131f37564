"""Shared API pieces: the staff permission and pagination (errors: core.api_errors)."""

from __future__ import annotations

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


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication, loading the user's institution and division in the same query.

    Every scoped API request needs them; fetching them with the token saves two round trips.
    """

    def authenticate_credentials(self, key):
        from rest_framework.authtoken.models import Token

        try:
            token = Token.objects.select_related("user__institution__division").get(key=key)
        except Token.DoesNotExist:
            raise exceptions.AuthenticationFailed("令牌无效")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("账号已停用")
        return (token.user, token)
