"""One error format for the whole API.

Every error body is {"code": <stable machine code>, "message": <Chinese text>, "errors": [
{"field": ..., "code": ..., "message": ...}]}, whatever raised it (service, serializer, DRF, a body
that is not JSON, an unknown path). `field` is the machine name; every message names the field by
its Chinese label (`field_label`, also the `title` of each property in the schema).
Kept apart from core.api because DRF imports this lazily from its settings.
"""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from bangban.core.errors import AccessRefused, NotInScope, ServiceError
from bangban.core.labels import FIELD_LABELS

NOT_FOUND = "对象不存在或不在您的数据范围内"

# DRF's own exceptions: a fixed Chinese message each (their English details can carry parser
# internals, e.g. "JSON parse error - Expecting value: line 1 column 1").
MESSAGES: list[tuple[type[exceptions.APIException], str, str]] = [
    (exceptions.ParseError, "parse_error", "请求体格式有误，无法解析，请发送有效的 JSON"),
    (
        exceptions.UnsupportedMediaType,
        "unsupported_media_type",
        "不支持该请求内容类型，请使用 application/json",
    ),
    (exceptions.MethodNotAllowed, "method_not_allowed", "该地址不支持此请求方法"),
    (exceptions.NotAcceptable, "not_acceptable", "无法按请求的 Accept 类型返回内容"),
    (exceptions.NotFound, "not_found", NOT_FOUND),
    (exceptions.NotAuthenticated, "not_authenticated", "请先登录或提供有效的令牌"),
]
FALLBACK = {
    400: "请求有误",
    401: "认证失败，请重新登录或更换令牌",
    403: "您无权访问或操作该对象",
    404: NOT_FOUND,
}


_CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")


def _chinese(text) -> bool:
    return bool(text) and bool(_CJK.search(str(text)))


def field_label(field: serializers.Field, name: str | None = None) -> str | None:
    """The Chinese name of a serializer field: its label, else the model field's verbose name, else
    the shared glossary. None when there is none (the caller falls back to the machine name)."""
    name = name or field.field_name
    if _chinese(field.label):
        return str(field.label)
    parent = getattr(field, "parent", None)
    model = getattr(getattr(parent, "Meta", None), "model", None)
    if model is not None and name:
        try:
            verbose = model._meta.get_field(getattr(field, "source", None) or name).verbose_name
        except Exception:  # a computed or renamed field: no model field of that name
            verbose = None
        if _chinese(verbose):
            return str(verbose)
    return FIELD_LABELS.get(name or "")


def _labels(serializer, prefix: str = "") -> dict[str, str]:
    """Every (nested) field path of a serializer → its Chinese label path (e.g. 法律依据 · 名称)."""
    out: dict[str, str] = {}
    serializer = getattr(serializer, "child", serializer)  # a ListSerializer: its item serializer
    fields = getattr(serializer, "fields", None)
    if not fields:
        return out
    for name, field in fields.items():
        label = field_label(field, name) or name
        path = f"{prefix}.{name}" if prefix else name
        out[path] = label
        child = getattr(field, "child", field)
        if isinstance(child, serializers.BaseSerializer):
            for sub, sub_label in _labels(child, path).items():
                out[sub] = f"{label} · {sub_label}"
    return out


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


def validation_body(detail, serializer=None) -> dict:
    """The error body of a validation failure; messages name each field by its Chinese label."""
    labels = _labels(serializer) if serializer is not None else {}
    errors = _flatten(detail)
    for error in errors:
        field = error["field"]
        if field:
            plain = re.sub(r"\[\d+\]", "", field)
            label = labels.get(plain) or FIELD_LABELS.get(plain.rsplit(".", 1)[-1]) or field
            error["message"] = f"{label}：{error['message']}"
    first = errors[0]["message"] if errors else "输入有误"
    return {"code": "invalid", "message": first, "errors": errors}


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
        return Response({"code": "not_found", "message": NOT_FOUND}, status=404)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    if isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = validation_body(exc.detail, getattr(exc.detail, "serializer", None))
        return response
    codes = exc.get_codes() if hasattr(exc, "get_codes") else "error"
    code = codes if isinstance(codes, str) else "error"
    message = str(exc.detail) if hasattr(exc, "detail") else str(exc)
    for kind, kind_code, kind_message in MESSAGES:
        if isinstance(exc, kind):
            code, message = kind_code, kind_message
            break
    if isinstance(exc, exceptions.Throttled):
        code = "throttled"
        message = f"请求过于频繁，请 {exc.wait:.0f} 秒后再试" if exc.wait else "请求过于频繁，请稍后再试"
    if not _chinese(message):
        message = FALLBACK.get(response.status_code, "请求未能完成")
    if isinstance(exc, exceptions.PermissionDenied) and request is not None:
        from bangban.core.middleware import record_refusal

        record_refusal(request, AccessRefused(code, message))
    response.data = {"code": code, "message": message}
    return response


class NotFoundView(APIView):
    """Any path under /api/v1/ that names no operation: the API's JSON 404, never an HTML page."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    schema = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        raise exceptions.NotFound()


not_found = NotFoundView.as_view()
