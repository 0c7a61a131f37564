"""Shared API pieces: the staff permission and pagination (errors: core.api_errors)."""

from __future__ import annotations

from rest_framework import exceptions, permissions
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
