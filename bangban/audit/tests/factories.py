"""Audit rows written straight (as the services write them: unsealed), at chosen times."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from bangban.audit.models import AuditEvent

BASE = timezone.make_aware(dt.datetime(2026, 3, 2, 9, 0))


def audit_rows(n: int, *, start=BASE, step=dt.timedelta(minutes=1), **fields) -> list[AuditEvent]:
    """n rows, one every `step` from `start` (step 0: all at the same instant), in insertion order."""
    defaults = {"action": "auth.login", "actor_name": "某人"}
    rows = [AuditEvent(at=start + i * step, **(defaults | fields)) for i in range(n)]
    return AuditEvent.objects.bulk_create(rows)
