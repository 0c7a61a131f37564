"""One error format for the whole API.

Every error body is {"code": <stable machine code>, "message": <Chinese text>, "errors": [
{"field": ..., "code": ..., "message": ...}]}, whatever raised it (service, serializer, DRF).
Kept apart from core.api because DRF imports this lazily from its settings.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from bangban.core.errors import AccessRefused, NotInScope, ServiceError


def _flatten(detail, field=None) -> list[dict]:
    out = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = key if field is None else f"{field}.{key}"
            out.extend(_flatten(value, None if key == "non_field_errors" else name))
    elif isinstance(detail, list):
        for i, value in enumerate(detail):
            sub = field if not isinstance(value, dict | list) else f"{field}[{i}]" if field else f"[{i}]"
            out.extend(_flatten(value, sub))
    else:
        out.append({"field": field, "code": getattr(detail, "code", "invalid"), "message": str(detail)})
    return out


def exception_handler(exc, context):
    request = context.get("request")
    if isinstance(exc, ServiceError):
        body = exc.as_dict()
        if exc.field and not exc.errors:
            body["errors"] = [{"field": exc.field, "code": exc.code, "message": exc.message}]
        return Response(body, status=400)
    if isinstance(exc, AccessRefused):
        from bangban.core.middleware import record_refusal

        if request is not None:
            record_refusal(request, exc)
        status = 404 if isinstance(exc, NotInScope) else 403
        return Response({"code": exc.code, "message": exc.message}, status=status)
    if isinstance(exc, Http404):
        return Response({"code": "not_found", "message": "对象不存在或不在您的数据范围内"}, status=404)
    if isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        first = errors[0] if errors else {"message": "输入有误"}
        prefix = f"{first['field']}：" if first.get("field") else ""
        response.data = {"code": "invalid", "message": f"{prefix}{first['message']}", "errors": errors}
    else:
        codes = exc.get_codes() if hasattr(exc, "get_codes") else "error"
        code = codes if isinstance(codes, str) else "error"
        message = str(exc.detail) if hasattr(exc, "detail") else str(exc)
        if isinstance(exc, exceptions.PermissionDenied) and request is not None:
            from bangban.core.middleware import record_refusal

            record_refusal(request, AccessRefused(code, message))
        response.data = {"code": code, "message": message}
    return response
