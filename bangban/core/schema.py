"""The OpenAPI schema tells the whole truth about every operation.

AutoSchema (settings: REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]) adds to every operation the error
answers it can give, in the one error format (core.api_errors), and gives every request field its
Chinese name as `title` (the same label the error messages use). Per-operation declarations
(@extend_schema) still win: an error code an operation documents itself is left as it is.

The document itself is built once per process: core.schema_view.
"""

from __future__ import annotations

from drf_spectacular import openapi
from rest_framework import serializers

from bangban.core.api_errors import field_label


class ErrorItemSerializer(serializers.Serializer):
    field = serializers.CharField(allow_null=True, help_text="出错的字段（机器名）；整体性错误为 null")
    code = serializers.CharField(help_text="稳定的错误码")
    message = serializers.CharField(help_text="中文说明，以字段的中文名开头")


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="稳定的错误码，如 invalid、not_found、invalid_transition")
    message = serializers.CharField(help_text="给人看的中文说明")
    field = serializers.CharField(required=False, help_text="业务规则所涉的字段（机器名）")
    errors = ErrorItemSerializer(many=True, required=False, help_text="逐字段的错误")

    class Meta:
        ref_name = "Error"


# status → (description, applies to this operation?)
ERRORS = {
    "400": ("请求有误：字段校验未通过、请求体无法解析，或业务规则不允许（见 code）", lambda s: True),
    "401": ("未认证：未登录、令牌无效或已停用", lambda s: True),
    "403": ("无权进行此操作", lambda s: True),
    "404": ("对象不存在或不在您的数据范围内（列表：页码超出范围）", lambda s: True),
    "415": ("不支持的请求内容类型", lambda s: s.method in ("POST", "PUT", "PATCH")),
    "429": ("请求过于频繁，请稍后再试", lambda s: True),
}


class AutoSchema(openapi.AutoSchema):
    def _get_paginator(self):
        # Only a viewset's `list` paginates here; other actions answer plain lists.
        action = getattr(self.view, "action", None)
        if action is not None and action != "list":
            return None
        return super()._get_paginator()

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, (description, applies) in ERRORS.items():
            if code in responses or not applies(self):
                continue
            response = self._get_response_for_code(
                ErrorSerializer, code, media_types=["application/json"], direction=direction
            )
            response["description"] = description
            responses[code] = response
        return responses

    def _insert_field_validators(self, field, schema):
        super()._insert_field_validators(field, schema)
        if schema.get("format") in ("email", "uri") and _may_be_blank(field):
            del schema["format"]  # "" is a valid value of a blank-allowed field, not an address

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        result = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(field, serializers.PrimaryKeyRelatedField) and result.get("type") == "string":
            queryset = field.get_queryset() if not field.read_only else None
            width = getattr(queryset.model._meta.pk, "max_length", None) if queryset is not None else None
            if width:
                result["maxLength"] = width
        if "$ref" in result:
            return result
        if field.read_only and _may_be_null(field):
            result["nullable"] = True
        if not field.read_only:
            label = field_label(field)
            if label:
                result["title"] = label
        return result


def _may_be_null(field) -> bool:
    """A read-only field whose value can be None: a default of None, or a dotted source through a
    relation that may be empty (department.name for a user without a department)."""
    kwargs = getattr(field, "_kwargs", {})
    if "default" in kwargs and kwargs["default"] is None:
        return True
    source = getattr(field, "source", "") or ""
    if "." not in source:
        return False
    model = getattr(getattr(getattr(field, "parent", None), "Meta", None), "model", None)
    for part in source.split(".")[:-1]:
        if model is None:
            return False
        try:
            relation = model._meta.get_field(part)
        except Exception:  # a property or method: unknown, leave it as declared
            return False
        if getattr(relation, "null", False):
            return True
        model = getattr(relation, "related_model", None)
    return False


def _may_be_blank(field) -> bool:
    if getattr(field, "allow_blank", False):
        return True
    model = getattr(getattr(getattr(field, "parent", None), "Meta", None), "model", None)
    try:
        return bool(model and model._meta.get_field(field.source).blank)
    except Exception:  # not a model field
        return False
