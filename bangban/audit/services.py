"""Writing the audit trail.

Services call `audit_record` inside their own transaction, so the audit row and the
change it describes commit together or not at all. `snapshot` and `diff` give the
before/after of the fields a service touched.
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any

from django.conf import settings
from django.db import connection, models

from bangban.audit import chain
from bangban.audit.models import AuditEvent
from bangban.core.context import current_request_meta


def _jsonable(value: Any) -> Any:
    if isinstance(value, models.Model):
        return {"id": value.pk, "name": str(value)}
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


SECRET_FIELDS = {"password", "key", "id_number", "id_number_encrypted"}


def snapshot(obj: models.Model, fields: list[str]) -> dict[str, Any]:
    """The named fields' current values, JSON-ready; secret fields are replaced by a marker."""
    data = {}
    for name in fields:
        value = getattr(obj, name)
        data[name] = "******" if name in SECRET_FIELDS and value else _jsonable(value)
    return data


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """{field: {"before": x, "after": y}} for each field whose value changed."""
    out = {}
    for name in sorted(set(before) | set(after)):
        b, a = before.get(name), after.get(name)
        if b != a:
            out[name] = {"before": b, "after": a}
    return out


def created(after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return diff({}, after)


def audit_record(**kwargs) -> AuditEvent:
    """Append one audit row (see audit_build for the arguments)."""
    event = audit_build(**kwargs)
    event.save()
    if not connection.in_atomic_block and settings.BANGBAN_AUDIT_SEAL == "commit":
        chain.seal_after_commit()  # autocommit: the row has committed already
    return event


def audit_build(
    *,
    actor=None,
    action: str,
    target: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    institution=None,
    changes: dict | None = None,
    note: str = "",
    actor_name: str = "",
) -> AuditEvent:
    """One unsaved audit row (a service writing several rows inserts them together).
    The institution defaults to the actor's institution. The row is sealed into the chain after
    its transaction commits (audit.chain)."""
    meta = current_request_meta()
    chain.seal_soon()
    if target is not None:
        object_type = object_type or target._meta.label_lower
        object_id = object_id or str(target.pk)
        object_repr = object_repr or str(target)[:255]
    if institution is None and actor is not None and getattr(actor, "is_authenticated", False):
        institution = getattr(actor, "institution", None)
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEvent(
        actor=actor,
        actor_name=actor_name or (getattr(actor, "display_name", "") if actor else ""),
        institution=institution,
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:255],
        changes=_jsonable(changes or {}),
        note=note,
        ip=meta.ip,
        user_agent=meta.user_agent[:255],
        path=meta.path[:255],
    )
