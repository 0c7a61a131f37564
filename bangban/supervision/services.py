"""Writes of the supervision app: recomputing the counters, setting indicator targets."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import connection, transaction
from django.utils import timezone

from bangban.accounts.permissions import require_cap
from bangban.accounts.roles import Cap
from bangban.audit.services import audit_record
from bangban.core.errors import NotInScope, ServiceError
from bangban.org.models import Institution
from bangban.org.selectors import institution_in_scope
from bangban.supervision import facts
from bangban.supervision.indicators import INDICATORS
from bangban.supervision.models import DailyFact, RollupFact, Target
from bangban.supervision.registry import KINDS


def recomputed_counts(kinds=None) -> dict[facts.Key, int]:
    """The counters as the classifiers give them from the raw rows (nothing written)."""
    totals: dict[facts.Key, int] = {}
    for kind in kinds or KINDS.values():
        for record_facts in kind.all_facts():
            for key, n in facts.difference([], record_facts).items():
                totals[key] = totals.get(key, 0) + n
    return totals


@transaction.atomic
def facts_recompute(*, batch: int = 5000) -> int:
    """Rebuild every registered kind's counters from the raw rows; returns the number of counter rows.

    On PostgreSQL the counter table is locked first (EXCLUSIVE: reads go on, writes wait): a service
    that already added to it has committed before the raw rows are read, and one that comes later
    waits and adds its difference to the rebuilt figures, its raw change being invisible here until
    then. Either way nothing is counted twice or lost.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("LOCK TABLE supervision_dailyfact, supervision_rollupfact IN EXCLUSIVE MODE")
    kinds = list(KINDS.values())
    metrics = [m for k in kinds for m in k.metrics]
    totals = recomputed_counts(kinds)
    DailyFact.objects.filter(metric__in=metrics).delete()
    RollupFact.objects.filter(metric__in=metrics).delete()
    DailyFact.objects.bulk_create(
        (
            DailyFact(institution_id=i, day=d, metric=m, agent_id=a, item_id=it, n=n)
            for (i, d, m, a, it), n in totals.items()
        ),
        batch_size=batch,
    )
    RollupFact.objects.bulk_create(
        (
            RollupFact(institution_id=i, dim=dim, grain=g, start=d, metric=m, key=k, n=n)
            for (i, dim, g, d, m, k), n in facts.rollup(totals).items()
        ),
        batch_size=batch,
    )
    audit_record(actor=None, action="supervision.facts.recompute", note=f"{len(totals)} 条计数")
    return len(totals)


def maintained_rollup(metrics=None) -> dict[facts.RollupKey, int]:
    qs = RollupFact.objects.exclude(n=0)
    if metrics is not None:
        qs = qs.filter(metric__in=list(metrics))
    return {(r.institution_id, r.dim, r.grain, r.start, r.metric, r.key): r.n for r in qs}


def maintained_counts(metrics=None) -> dict[facts.Key, int]:
    qs = DailyFact.objects.exclude(n=0)
    if metrics is not None:
        qs = qs.filter(metric__in=list(metrics))
    return {
        (r.institution_id, r.day, r.metric, r.agent_id, r.item_id): r.n
        for r in qs.only("institution_id", "day", "metric", "agent_id", "item_id", "n")
    }


MAX_TARGET = Decimal("100")


@transaction.atomic
def target_set(*, by, indicator: str, value, institution: Institution | None = None) -> Target:
    """Set an indicator's target (%), for everyone (institution None) or for one institution's
    subtree. Only SUPERVISION_ISSUE, within their scope; a default target needs a user whose scope
    is the whole tree (no institution above them)."""
    require_cap(by, Cap.SUPERVISION_ISSUE, "您的角色不能设置指标目标")
    if indicator not in INDICATORS:
        raise ServiceError("invalid", "指标不存在", field="indicator")
    try:
        value = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ServiceError("invalid", "目标值须为 0 到 100 之间的数字", field="value") from None
    if not (Decimal(0) <= value <= MAX_TARGET):
        raise ServiceError("invalid", "目标值须为 0 到 100 之间的数字", field="value")
    if institution is not None:
        if not institution_in_scope(by, institution):
            raise NotInScope(target=institution)
    elif by.institution is None or by.institution.parent_id is not None:
        raise ServiceError(
            "invalid", "只有最上级机构的监督员可以设置全局目标，请选择适用机构", field="institution"
        )
    default = INDICATORS[indicator].default_target
    # Created once (the unique constraints; get_or_create re-reads after a concurrent insert), then
    # locked, so two supervisors setting it at once are applied one after the other.
    Target.objects.get_or_create(indicator=indicator, institution=institution, defaults={"value": default})
    target = Target.objects.select_for_update().get(indicator=indicator, institution=institution)
    before = str(target.value)
    target.value, target.updated_by, target.updated_at = value, by, timezone.now()
    target.save()
    audit_record(
        actor=by,
        action="supervision.target.set",
        target=target,
        institution=institution or by.institution,
        changes={"value": {"before": before, "after": str(value)}},
        note=INDICATORS[indicator].name,
    )
    return target
