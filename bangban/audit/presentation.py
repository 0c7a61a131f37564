"""How an audit row's changes read to a person: Chinese field names, readable values.

A change key is named, in order, by: the labels of the object type (catalog items record their
elements under the catalog's own names), the keys services record that are no model field, a
model field's Chinese verbose_name, the shared glossary core.labels for fields declared without one, and
for a relation the related model's name. No key is ever shown raw while a name can be found.
"""

from __future__ import annotations

import functools
import re

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models

from bangban.core.labels import FIELD_LABELS

# Keys services record that are no field of the object's model.
EXTRA_LABELS = {
    "roles": "角色",
    "password": "密码",
    "created": "新增条数",
    "updated": "更新条数",
    "task": "协办任务",
    "material": "材料",
    "material_returned": "退还材料",
    "transfer_to": "转交至",
    "extension_days": "延长天数",
    "locked_until": "锁定至",
    "modes": "服务方式",
    "items": "事项",
}


# Models declared without a Chinese verbose_name (named by reverse relations).
MODEL_LABELS = {
    "catalog.bundleitem": "套餐事项",
    "cases.casecounter": "办件编号计数",
    "cases.caseevent": "办理记录",
    "cases.entrustment": "委托",
    "cases.suspension": "中止",
    "cases.extension": "延期",
    "cases.deadlinechange": "时限变更",
    "cases.transfer": "转办",
    "cases.jointtask": "协办任务",
    "cases.material": "材料",
}

_CHINESE = re.compile(r"[\u3400-\u9fff]")


def _catalog_item_labels() -> dict[str, str]:
    from bangban.catalog.elements import LABELS

    return LABELS


# Object types whose changes are recorded under another module's names.
TYPE_LABELS = {"catalog.item": _catalog_item_labels, "catalog.itemversion": _catalog_item_labels}


def model_name(model) -> str:
    verbose = str(model._meta.verbose_name)
    return verbose if _CHINESE.search(verbose) else MODEL_LABELS.get(model._meta.label_lower, verbose)


def _model_label(model, name: str) -> str | None:
    try:
        f = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    if f.auto_created and not f.concrete:  # a reverse relation: name it by the related model
        return model_name(f.related_model)
    verbose = str(getattr(f, "verbose_name", "") or "")
    if _CHINESE.search(verbose):
        return verbose
    if name in FIELD_LABELS:
        return FIELD_LABELS[name]
    if isinstance(f, models.ForeignKey | models.ManyToManyField | models.OneToOneField):
        return model_name(f.related_model)
    return None


@functools.cache
def field_label(object_type: str, name: str) -> str:
    labels = TYPE_LABELS.get(object_type)
    if labels is not None and name in labels():
        return labels()[name]
    if name in EXTRA_LABELS:
        return EXTRA_LABELS[name]
    try:
        model = apps.get_model(object_type)
    except (LookupError, ValueError):
        model = None
    label = _model_label(model, name) if model is not None else None
    return label or FIELD_LABELS.get(name) or name


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
