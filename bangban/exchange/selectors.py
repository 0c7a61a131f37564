"""Reads of the exchange: the scoped, incremental, keyset-paged records of one kind, and the
delivery log. Scope comes from org.selectors (scope_q, institution_get), never restated here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from bangban.accounts.permissions import require_cap
from bangban.accounts.roles import Cap
from bangban.audit.paging import Cursor
from bangban.exchange.models import Delivery
from bangban.exchange.records import SOURCES
from bangban.org.models import Institution
from bangban.org.selectors import institution_get, scope_q

PAGE_DEFAULT = 100
PAGE_MAX = 500
MAX_DAYS = 366
# Rows changed in the last minute are left for the next run: a transaction that stamped its change
# time before a reader passed that time, but committed after, would otherwise be skipped for ever.
SETTLE = dt.timedelta(seconds=60)
CAP = Cap.SUPERVISION_VIEW
REFUSAL = "您的角色无权导出政务服务数据（需要质量监督查看权限）"


@dataclass(frozen=True)
class ExportPage:
    kind: str
    rows: list
    cursor: str | None  # continue after the last row (or, when empty, where the caller was)
    has_more: bool


def export_institution(*, user, pk) -> Institution:
    """The subtree root named by an export's `institution` parameter (NotInScope outside scope)."""
    return institution_get(user=user, pk=pk)


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def export_queryset(
    *,
    kind: str,
    user=None,
    institution: Institution | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet:
    """The rows of `kind` changed from `since` to `until` (dates, inclusive, Asia/Shanghai), in the
    user's scope (user=None: the platform itself, e.g. the daily push) and under `institution`."""
    source = SOURCES[kind]
    qs = source.queryset()
    if user is not None:
        require_cap(user, CAP, REFUSAL)
        qs = qs.filter(scope_q(user, source.scope_field))
    if institution is not None:
        qs = qs.filter(**{f"{source.scope_field}__path__startswith": institution.path})
    changed = source.changed
    if since is not None:
        qs = qs.filter(**{f"{changed}__gte": _day_start(since)})
    upper = timezone.now() - SETTLE
    if until is not None:
        upper = min(upper, _day_start(until + dt.timedelta(days=1)) - dt.timedelta(microseconds=1))
    return qs.filter(**{f"{changed}__lte": upper})


def _after(changed: str, c: Cursor) -> Q:
    return Q(**{f"{changed}__gte": c.at}) & (
        Q(**{f"{changed}__gt": c.at}) | Q(**{changed: c.at, "id__gt": c.id})
    )


def export_page(qs: QuerySet, *, kind: str, cursor: Cursor | None, limit: int = PAGE_DEFAULT) -> ExportPage:
    """One page of `qs` oldest change first, after `cursor` (keyset on change time and id)."""
    changed = SOURCES[kind].changed
    if cursor is not None:
        qs = qs.filter(_after(changed, cursor))
    rows = list(qs.order_by(changed, "id")[: limit + 1])
    has_more = len(rows) > limit
    rows = rows[:limit]
    if rows:
        last = rows[-1]
        next_cursor = Cursor("a", getattr(last, changed), last.pk).encode()
    else:
        next_cursor = cursor.encode() if cursor is not None else None
    return ExportPage(kind, rows, next_cursor, has_more)


def delivery_list(*, user) -> QuerySet[Delivery]:
    """The delivery log (platform-wide: the push is the platform's; supervisors and center admins)."""
    require_cap(user, CAP, "您的角色无权查看数据交换推送记录")
    return Delivery.objects.order_by("-day", "kind", "-id")
