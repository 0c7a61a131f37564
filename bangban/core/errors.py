"""Errors raised by services and selectors.

A ServiceError carries a stable machine code (for the API), a Chinese message (for people)
and, when the problem is one field, that field's name. Views turn it into a form error,
the API into a 400 response; either way the service raised before writing anything, or
inside its transaction, so nothing is changed.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied


class ServiceError(Exception):
    def __init__(self, code: str, message: str, *, field: str | None = None, errors: list | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        # Several problems at once (e.g. every bad row of an import): dicts with field/code/message.
        self.errors = errors or []

    def as_dict(self) -> dict:
        data: dict = {"code": self.code, "message": self.message}
        if self.field:
            data["field"] = self.field
        if self.errors:
            data["errors"] = self.errors
        return data


class AccessRefused(PermissionDenied):
    """The user may not see or do this. Recorded in the audit trail by the middleware / API handler."""

    def __init__(self, code: str = "access_refused", message: str = "您无权访问或操作该对象", *, target=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.target = target


class NotInScope(AccessRefused):
    """The object exists but lies outside the user's data scope; shown to them as not found."""

    def __init__(self, target=None):
        super().__init__("not_in_scope", "对象不存在或不在您的数据范围内", target=target)
