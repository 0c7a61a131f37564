"""How an audit row's changes read to a person: Chinese field names, readable values."""

from __future__ import annotations

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist

EXTRA_LABELS = {"roles": "角色", "password": "密码", "created": "新增条数", "updated": "更新条数"}


def field_label(object_type: str, name: str) -> str:
    if name in EXTRA_LABELS:
        return EXTRA_LABELS[name]
    try:
        model = apps.get_model(object_type)
        return str(model._meta.get_field(name).verbose_name)
    except (LookupError, ValueError, FieldDoesNotExist):
        return name


def display_value(value) -> str:
    if value is None or value == "":
        return "（空）"
    if value is True:
        return "是"
    if value is False:
        return "否"
    if isinstance(value, dict) and "name" in value:
        return str(value["name"])
    if isinstance(value, list):
        from bangban.accounts.roles import role_label

        return "、".join(role_label(v) if isinstance(v, str) else display_value(v) for v in value) or "（空）"
    return str(value)


def readable_changes(event) -> list[dict]:
    rows = []
    for name, change in (event.changes or {}).items():
        if not isinstance(change, dict):
            continue
        rows.append(
            {
                "label": field_label(event.object_type, name),
                "before": None if change.get("before") is None else display_value(change.get("before")),
                "after": display_value(change.get("after")),
            }
        )
    return rows
