"""Writes to the catalog: items and drafts, publishing, adjustments, 清单, 一件事, import.

Every service is keyword-only, checks the actor's capability itself, and writes its audit row in
the same transaction. Published versions are never edited: a change is an adjustment whose
approved draft becomes a new version starting on the effective date, the previous one closing
the day before. Permissions:

- CATALOG_MANAGE (事项管理员): create and edit drafts, submit a new item's first version for
  review, raise, edit, submit and withdraw adjustments, edit 一件事, import (a workbook becomes drafts
  in one submitted 批量导入 adjustment, reviewed like any other; only the platform publishes directly).
- CATALOG_REVIEW: approve or return a submitted adjustment — never one the reviewer raised,
  changed or submitted, nor one whose drafts the reviewer wrote (four eyes: the contributors of a
  request, `selectors.adjustment_contributor_ids`, never review it).
- 清单 of an institution: CATALOG_MANAGE or ORG_MANAGE (中心管理员), for institutions within the
  actor's data scope.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from bangban.accounts.permissions import has_cap, require_cap
from bangban.accounts.roles import Cap
from bangban.audit.services import audit_record, created, diff, snapshot
from bangban.catalog import elements
from bangban.catalog.models import (
    Adjustment,
    Bundle,
    BundleItem,
    FeeItem,
    Item,
    ItemLineage,
    ItemVersion,
    LegalBasis,
    ListingEntry,
    Material,
    ServicePlace,
)
from bangban.catalog.selectors import adjustment_contributor_ids, latest_published
from bangban.core.errors import AccessRefused, NotInScope, ServiceError
from bangban.org.models import Institution
from bangban.org.selectors import institution_in_scope

MANAGE_MESSAGE = "您的角色无权维护事项目录（需要事项管理员）"
REVIEW_MESSAGE = "您的角色无权审核事项调整"


def _today() -> datetime.date:
    return timezone.localdate()


def _raise(problems: list[tuple[str, str, str]]) -> None:
    if problems:
        field, code, message = problems[0]
        more = f"（共 {len(problems)} 处问题）" if len(problems) > 1 else ""
        raise ServiceError(
            code,
            f"{message}{more}",
            field=field,
            errors=[{"field": f, "code": c, "message": m} for f, c, m in problems],
        )


def _elements_snapshot(version: ItemVersion) -> dict:
    """What the audit trail records of a version's elements (display form, so it reads in Chinese)."""
    return elements.display(version)


def _write_children(
    version: ItemVersion,
    legal: list[dict],
    materials: list[dict],
    fees: list[dict] | None = None,
    places: list[dict] | None = None,
) -> None:
    """Replace a draft's children (fee items and places only when given), then store whether its
    办事指南 is complete."""
    version.legal_bases.all().delete()
    version.materials.all().delete()
    for i, e in enumerate(legal):
        LegalBasis(version=version, position=i, **e).save()
    for i, m in enumerate(materials):
        Material(version=version, position=i, **m).save()
    if fees is not None:
        version.fee_items.all().delete()
        for i, f in enumerate(fees):
            FeeItem(version=version, position=i, **f).save()
    if places is not None:
        version.places.all().delete()
        for i, p in enumerate(places):
            ServicePlace(version=version, position=i, **p).save()
    _guide_refresh(version)


def _guide_refresh(version: ItemVersion) -> None:
    """Store `guide_complete` of a draft (elements.guide_missing, the one rule) after a write."""
    fresh = ItemVersion.objects.prefetch_related("materials", "legal_bases", "fee_items", "places").get(
        pk=version.pk
    )
    complete = not elements.guide_missing(fresh)
    ItemVersion.objects.filter(pk=version.pk, state=ItemVersion.State.DRAFT).update(guide_complete=complete)
    version.guide_complete = complete


def _check_code_free(code: str, *, item: Item | None) -> None:
    other = Item.objects.filter(implementation_code=code).exclude(pk=item.pk if item else None).first()
    if other is not None:
        raise ServiceError(
            "duplicate_code",
            f"实施编码 {code} 已被事项“{other.name}”使用",
            field="implementation_code",
        )


def _contributed(record: Adjustment | ItemVersion, by) -> None:
    """Remember that `by` wrote to this request or draft (the platform, by=None, is nobody)."""
    if by is not None:
        record.contributors.add(by)


def _sync_head(item: Item, version: ItemVersion) -> None:
    item.name, item.basic_code = version.name, version.basic_code
    item.implementation_code, item.department_id = version.implementation_code, version.department_id


# ---- items and drafts ------------------------------------------------------------------------


@transaction.atomic
def item_create(*, by, data: dict) -> Item:
    """Create an item with a draft first version (not visible to the public until published).

    `data` holds the elements (see elements.clean); materials and legal bases may still be
    missing in a draft, every other rule holds already.
    """
    if by is not None:
        require_cap(by, Cap.CATALOG_MANAGE, MANAGE_MESSAGE)
    values, legal, materials, problems = elements.clean(data)
    _raise(problems)
    values, fees, places = elements.split_children(values)
    _check_code_free(values["implementation_code"], item=None)
    item = Item(status=Item.Status.DRAFT, created_by=by)
    _sync_head(item, ItemVersion(**values))
    try:
        with transaction.atomic():
            item.save()
    except IntegrityError:
        _check_code_free(values["implementation_code"], item=None)
        raise
    version = ItemVersion.objects.create(item=item, state=ItemVersion.State.DRAFT, created_by=by, **values)
    _write_children(version, legal, materials, fees, places)
    _contributed(version, by)
    audit_record(
        actor=by,
        action="catalog.item.create",
        target=item,
        changes=created(_elements_snapshot(version)),
    )
    return item


def _editable_draft(version: ItemVersion) -> ItemVersion:
    version = (
        ItemVersion.objects.select_for_update(of=("self",))
        .select_related("adjustment", "item")
        .get(pk=version.pk)
    )
    if version.state != ItemVersion.State.DRAFT:
        raise ServiceError("frozen", "已发布的事项版本不能修改，请发起事项调整")
    if version.adjustment_id and not version.adjustment.is_editable:
        raise ServiceError(
            "adjustment_locked",
            f"该草稿属于{version.adjustment}（{version.adjustment.get_status_display()}），当前不能修改",
        )
    return version


@transaction.atomic
def item_version_update(*, by, version: ItemVersion, data: dict) -> ItemVersion:
    """Edit a draft version. Keys absent from `data` keep their value; `legal_bases` / `materials`,
    when given, replace the lists. Published versions are refused."""
    require_cap(by, Cap.CATALOG_MANAGE, MANAGE_MESSAGE)
    version = _editable_draft(version)
    before = _elements_snapshot(version)
    raw = elements.raw_from_version(version)
    if "channels" in data:
        for c in ("window", "online", "mail"):
            raw.pop(f"channel_{c}", None)
    if "implementation_code" not in data:
        raw.pop("implementation_code")  # re-assembled from its parts
    raw.update(data)
    values, legal, materials, problems = elements.clean(raw)
    _raise(problems)
    values, fees, places = elements.split_children(values)
    item = version.item
    _check_code_free(values["implementation_code"], item=item)
    for field, value in values.items():
        setattr(version, field, value)
    version.save()
    _write_children(version, legal, materials, fees, places)
    _contributed(version, by)
    if item.status == Item.Status.DRAFT:
        _sync_head(item, version)
        item.save()
    version.refresh_from_db()
    changes = diff(before, _elements_snapshot(version))
    if changes:
        audit_record(actor=by, action="catalog.version.update", target=version, changes=changes)
    return version


def _publish(version: ItemVersion, *, by, valid_from: datetime.date) -> ItemVersion:
    number = (version.item.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version.guide_complete = not elements.guide_missing(version)  # frozen from here on
    version.state = ItemVersion.State.PUBLISHED
    version.number = number
    version.valid_from = valid_from
    version.valid_to = None
    version.published_at = timezone.now()
    version.published_by = by
    version.save()
    audit_record(
        actor=by,
        action="catalog.version.publish",
        target=version,
        changes={
            "valid_from": {"before": None, "after": valid_from},
            "number": {"before": None, "after": number},
        },
    )
    return version


def _complete_check(version: ItemVersion) -> None:
    raw = elements.raw_from_version(version)
    _values, _legal, _materials, problems = elements.clean(raw, complete=True)
    if problems:
        field, code, message = problems[0]
        prefix = f"“{version.name}”：" if version.name else ""
        raise ServiceError(
            code,
            f"{prefix}{message}",
            field=field,
            errors=[{"field": f, "code": c, "message": f"{prefix}{m}"} for f, c, m in problems],
        )


@transaction.atomic
def item_version_publish(*, by, version: ItemVersion, valid_from: datetime.date | None = None) -> ItemVersion:
    """The platform (by=None: demo data, commands) publishes the first version of a new item directly,
    in force from `valid_from` (default today).

    People never do: a new item's first publication is reviewed like any adjustment
    (`item_version_submit`, then another 事项管理员 approves), and later changes are adjustments.
    """
    if by is not None:
        require_cap(by, Cap.CATALOG_MANAGE, MANAGE_MESSAGE)
        raise ServiceError(
            "needs_review", "新事项的首次发布须经另一位事项管理员审核：请提交发布审核，批准后生效"
        )
    version = ItemVersion.objects.select_for_update(of=("self",)).select_related("item").get(pk=version.pk)
    if version.state != ItemVersion.State.DRAFT:
        raise ServiceError("already_published", "该版本已发布")
    if version.adjustment_id:
        raise ServiceError("needs_review", "该草稿属于事项调整申请，须经审核批准后生效")
    if version.item.versions.filter(state=ItemVersion.State.PUBLISHED).exists():
        raise ServiceError("needs_adjustment", "已发布事项的变更须发起事项调整，经审核后生效")
    _complete_check(version)
    valid_from = valid_from or _today()
    _publish(version, by=by, valid_from=valid_from)
    item = version.item
    item.status = Item.Status.ACTIVE
    _sync_head(item, version)
    item.save()
    return version


@transaction.atomic
def item_version_submit(
    *,
    by,
    version: ItemVersion,
    effective_on: datetime.date,
    trigger: str = Adjustment.Trigger.LAW_ENACTED,
    justification: str = "",
) -> Adjustment:
    """Send the draft of a never-published item for review: a submitted 新增事项 adjustment holding
    this draft, which takes effect on `effective_on` once another 事项管理员 approves it (nobody who
    wrote the draft may). Withdrawing the request gives the draft back, unchanged."""
    require_cap(by, Cap.CATALOG_MANAGE, MANAGE_MESSAGE)
    version = ItemVersion.objects.select_for_update(of=("self",)).select_related("item").get(pk=version.pk)
    if version.state != ItemVersion.State.DRAFT:
        raise ServiceError("already_published", "该版本已发布")
    if version.adjustment_id:
        raise ServiceError("needs_review", f"该草稿已在{version.adjustment}中，请在该申请中办理")
    if version.item.status != Item.Status.DRAFT:
        raise ServiceError("needs_adjustment", "已发布事项的变更须发起事项调整，经审核后生效")
    if trigger not in Adjustment.Trigger.values:
        raise ServiceError("invalid", "请选择调整原因（触发情形）", field="trigger")
    _check_effective(effective_on)
    _complete_check(version)
    adjustment = Adjustment.objects.create(
        kind=K.NEW,
        trigger=trigger,
        justification=(justification or "").strip() or f"新增事项“{version.name}”，首次发布",
        effective_on=effective_on,
        created_by=by,
    )
    _contributed(adjustment, by)
    version.adjustment = adjustment
    version.save(update_fields=["adjustment", "updated_at"])
    audit_record(
        actor=by,
        action="catalog.adjustment.create",
        target=adjustment,
        changes=created(snapshot(adjustment, ADJUSTMENT_FIELDS) | {"items": [str(version.item)]}),
        note="新事项首次发布",
    )
    return adjustment_submit(by=by, adjustment=adjustment)


# ---- adjustments ----------------------------------------------------------------------------

K = Adjustment.Kind
ITEM_COUNTS = {
    K.NEW: (0, 0),
    K.CHANGE: (1, 1),
    K.SPLIT: (1, 1),
    K.MERGE: (2, 50),
    K.SUSPEND: (1, 1),
    K.RESUME: (1, 1),
    K.CANCEL: (1, 1),
    K.IMPORT: (0, 0),
}


def _check_effective(effective_on, field="effective_on") -> None:
    if not isinstance(effective_on, datetime.date):
        raise ServiceError("required", "请填写生效日期", field=field)
    if effective_on < _today():
        raise ServiceError("past_date", f"生效日期（{effective_on}）不能早于今天", field=field)


def _subject_checks(
    kind: str, items: list[Item], adjustment: Adjustment | None = None
) -> dict[int, ItemVersion]:
    low, high = ITEM_COUNTS[kind]
    label = Adjustment.Kind(kind).label
    if not low <= len(items) <= high:
        need = (
            "不涉及已有事项"
            if high == 0
            else (f"涉及 {low} 个事项" if low == high else f"至少涉及 {low} 个事项")
        )
        raise ServiceError("invalid_items", f"{label}应{need}", field="items")
    latest = {}
    for item in items:
        if item.status != Item.Status.ACTIVE:
            raise ServiceError(
                "invalid_items", f"事项“{item.name}”{item.get_status_display()}，不能调整", field="items"
            )
        others = item.adjustments.filter(status__in=Adjustment.OPEN_STATUSES)
        if adjustment is not None:
            others = others.exclude(pk=adjustment.pk)
        if (other := others.first()) is not None:
            raise ServiceError("adjustment_open", f"事项“{item.name}”已有未办结的{other}", field="items")
        version = latest_published(item)
        if version is None or version.valid_to is not None:
            raise ServiceError("invalid_items", f"事项“{item.name}”没有可调整的现行版本", field="items")
        if kind == K.SUSPEND and version.is_suspended:
            raise ServiceError("invalid_items", f"事项“{item.name}”已暂停办理", field="items")
        if kind == K.RESUME and not version.is_suspended:
            raise ServiceError("invalid_items", f"事项“{item.name}”未暂停，无需恢复", field="items")
        latest[item.pk] = version
    return latest


def _merged_children(versions: list[ItemVersion]) -> tuple[list[dict], list[dict]]:
    legal, materials, seen_l, seen_m = [], [], set(), set()
    for v in versions:
        raw = elements.raw_from_version(v)
        for e in raw["legal_bases"]:
            if (e["title"], e["article"]) not in seen_l:
                seen_l.add((e["title"], e["article"]))
                legal.append(e)
        for m in raw["materials"]:
            if m["name"] not in seen_m:
                seen_m.add(m["name"])
                materials.append(m)
    return legal, materials


def _new_draft(*, by, adjustment, item: Item | None, raw: dict, based_on: ItemVersion | None) -> ItemVersion:
    """A draft version proposed by `adjustment`, on `item` (change) or on a new draft item."""
    values, legal, materials, problems = elements.clean(raw)
    _raise(problems)
    values, fees, places = elements.split_children(values)
    if item is None:
        _check_code_free(values["implementation_code"], item=None)
        item = Item(status=Item.Status.DRAFT, created_by=by)
        _sync_head(item, ItemVersion(**values))
        item.save()
    elif values["implementation_code"] != item.implementation_code:
        _check_code_free(values["implementation_code"], item=item)
    version = ItemVersion.objects.create(
        item=item,
        state=ItemVersion.State.DRAFT,
        adjustment=adjustment,
        based_on=based_on,
        is_suspended=bool(based_on and based_on.is_suspended and item.pk == based_on.item_id),
        created_by=by,
        **values,
    )
    _write_children(version, legal, materials, fees, places)
    _contributed(version, by)
    return version


@transaction.atomic
def adjustment_create(
    *,
    by,
    kind: str,
    trigger: str,
    justification: str,
    effective_on: datetime.date,
    items: list[Item] | tuple = (),
    proposed: list[dict] | None = None,
) -> Adjustment:
    """Open an adjustment (draft) with its proposed versions.

    - new: `proposed` = [elements of the new item].
    - change: one item; `proposed` = [changed elements] applied to a copy of its current version.
    - split: one item; `proposed` = ≥ 2 element sets (each needs its own name and basic code),
      the rest copied from the source.
    - merge: ≥ 2 items; `proposed` = [elements of the merged item] (own name and basic code);
      materials and legal bases default to the union of the sources'.
    - suspend / resume / cancel: one item, nothing proposed.
    """
    require_cap(by, Cap.CATALOG_MANAGE, MANAGE_MESSAGE)
    if kind == K.IMPORT:
        raise ServiceError("invalid", "批量导入须在“导入导出”上传事项目录工作簿发起", field="kind")
    if kind not in K.values:
        raise ServiceError("invalid", "调整类型无效", field="kind")
    if trigger not in Adjustment.Trigger.values:
        raise ServiceError("invalid", "请选择调整原因（触发情形）", field="trigger")
    justification = (justification or "").strip()
    if not justification:
        raise ServiceError("required", "请填写调整说明（依据和理由）", field="justification")
    _check_effective(effective_on)
    items = list(items)
    if len({i.pk for i in items}) != len(items):
        raise ServiceError("invalid_items", "涉及事项有重复", field="items")
    fresh = Item.objects.select_for_update().in_bulk([i.pk for i in items])
    items = [fresh[i.pk] for i in items]  # the callers' copies may be stale
    latest = _subject_checks(kind, items)
    proposed = list(proposed or [])
    adjustment = Adjustment.objects.create(
        kind=kind, trigger=trigger, justification=justification, effective_on=effective_on, created_by=by
    )
    adjustment.items.set(items)
    _contributed(adjustment, by)

    def needs_own_code(p: dict, what: str):
        if not (p.get("name") and p.get("basic_code")):
            raise ServiceError("required", f"{what}须填写新的事项名称和基本编码", field="proposed")

    if kind == K.NEW:
        if len(proposed) != 1:
            raise ServiceError("required", "新增事项须提供一套事项要素", field="proposed")
        _new_draft(by=by, adjustment=adjustment, item=None, raw=proposed[0], based_on=None)
    elif kind == K.CHANGE:
        if len(proposed) > 1:
            raise ServiceError("invalid", "要素变更只提供一套变更后的要素", field="proposed")
        base = latest[items[0].pk]
        raw = elements.raw_from_version(base)
        raw.pop("implementation_code")
        raw.update(proposed[0] if proposed else {})
        _new_draft(by=by, adjustment=adjustment, item=items[0], raw=raw, based_on=base)
    elif kind == K.SPLIT:
        if len(proposed) < 2:
            raise ServiceError("required", "事项拆分至少拆为两个事项", field="proposed")
        base = latest[items[0].pk]
        for i, p in enumerate(proposed, 1):
            needs_own_code(p, f"拆分后的第 {i} 个事项")
            raw = elements.raw_from_version(base)
            raw.pop("implementation_code")
            raw.update(p)
            _new_draft(by=by, adjustment=adjustment, item=None, raw=raw, based_on=base)
    elif kind == K.MERGE:
        if len(proposed) != 1:
            raise ServiceError("required", "事项合并须提供合并后事项的要素", field="proposed")
        needs_own_code(proposed[0], "合并后的事项")
        sources = [latest[i.pk] for i in items]
        raw = elements.raw_from_version(sources[0])
        raw.pop("implementation_code")
        raw["legal_bases"], raw["materials"] = _merged_children(sources)
        raw.update(proposed[0])
        _new_draft(by=by, adjustment=adjustment, item=None, raw=raw, based_on=sources[0])
    elif proposed:
        raise ServiceError("invalid", f"{adjustment.get_kind_display()}不修改事项要素", field="proposed")
    audit_record(
        actor=by,
        action="catalog.adjustment.create",
        target=adjustment,
        changes=created(snapshot(adjustment, ADJUSTMENT_FIELDS) | {"items": [str(i) for i in items]}),
    )
    return adjustment


ADJUSTMENT_FIELDS = ["kind", "trigger", "justification", "effective_on", "status"]


def _locked(adjustment: Adjustment) -> Adjustment:
    return Adjustment.objects.select_for_update().get(pk=adjustment.pk)


@transaction.atomic
def adjustment_update(
    *,
    by,
    adjustment: Adjustment,
    trigger: str | None = None,
    justification: str | None = None,
    effective_on: datetime.date | None = None,
) -> Adjustment:
    """Change the reason, justification or date of a draft or returned adjustment; an argument left
    out (None) keeps its value."""
    require_cap(by, Cap.CATALOG_MANAGE, MANAGE_MESSAGE)
    adjustment = _locked(adjustment)
    if not adjustment.is_editable:
        raise ServiceError("not_editable", f"{adjustment.get_status_display()}的调整申请不能修改")
    trigger = adjustment.trigger if trigger is None else trigger
    justification = adjustment.justification if justification is None else justification
    effective_on = adjustment.effective_on if effective_on is None else effective_on
    if trigger not in Adjustment.Trigger.values:
        raise ServiceError("invalid", "请选择调整原因（触发情形）", field="trigger")
    if not (justification or "").strip():
        raise ServiceError("required", "请填写调整说明（依据和理由）", field="justification")
    _check_effective(effective_on)
    before = snapshot(adjustment, ADJUSTMENT_FIELDS)
    adjustment.trigger, adjustment.justification, adjustment.effective_on = (
        trigger,
        justification.strip(),
        effective_on,
    )
    adjustment.save()
    _contributed(adjustment, by)
    changes = diff(before, snapshot(adjustment, ADJUSTMENT_FIELDS))
    if changes:
        audit_record(actor=by, action="catalog.adjustment.update", target=adjustment, changes=changes)
    return adjustment


def _check_bases_current(adjustment: Adjustment) -> dict[int, ItemVersion]:
    """The subjects' current versions; refuses when one changed since the adjustment was drafted."""
    latest = _subject_checks(adjustment.kind, list(adjustment.items.all()), adjustment)
    for version in adjustment.proposed_versions.all():
        if version.based_on_id and version.based_on_id not in {v.pk for v in latest.values()}:
            raise ServiceError(
                "stale",
                f"事项“{version.name}”在本申请起草后已有新版本，请撤回后按现行版本重新发起调整",
            )
    for version in latest.values():
        if version.valid_from >= adjustment.effective_on:
            raise ServiceError(
                "effective_too_early",
                f"生效日期须晚于现行版本的生效日期（{version.valid_from}）",
                field="effective_on",
            )
    return latest


@transaction.atomic
def adjustment_submit(*, by, adjustment: Adjustment) -> Adjustment:
    """Send a draft or returned adjustment for review; every proposed version must be complete."""
    require_cap(by, Cap.CATALOG_MANAGE, MANAGE_MESSAGE)
    adjustment = _locked(adjustment)
    if not adjustment.is_editable:
        raise ServiceError("not_editable", f"{adjustment.get_status_display()}的调整申请不能提交")
    if adjustment.is_import:
        # Every row was checked complete by the import; only drafts edited since the return may
        # have lost that (a returned batch of 10,000 is resubmitted without checking 10,000 again).
        edited = adjustment.proposed_versions.all()
        if adjustment.reviewed_at is not None:
            edited = edited.filter(updated_at__gte=adjustment.reviewed_at)
        for version in edited:
            _complete_check(version)
    else:
        _check_effective(adjustment.effective_on)
        _check_bases_current(adjustment)
        for version in adjustment.proposed_versions.all():
            _complete_check(version)
    before = snapshot(adjustment, ADJUSTMENT_FIELDS)
    adjustment.status = Adjustment.Status.SUBMITTED
    adjustment.submitted_by, adjustment.submitted_at = by, timezone.now()
    adjustment.save()
    _contributed(adjustment, by)
    audit_record(
        actor=by,
        action="catalog.adjustment.submit",
        target=adjustment,
        changes=diff(before, snapshot(adjustment, ADJUSTMENT_FIELDS)),
    )
    return adjustment


def _review_checks(by, adjustment: Adjustment) -> Adjustment:
    require_cap(by, Cap.CATALOG_REVIEW, REVIEW_MESSAGE)
    adjustment = _locked(adjustment)
    if adjustment.status != Adjustment.Status.SUBMITTED:
        raise ServiceError(
            "not_submitted", f"只能审核待审核的申请（当前：{adjustment.get_status_display()}）"
        )
    if by.pk in adjustment_contributor_ids(adjustment):
        raise ServiceError(
            "same_person",
            "您起草、修改或提交过本申请，不能审核；请由未经手的另一位事项管理员审核",
            field="reviewer",
        )
    return adjustment


def _close(version: ItemVersion, *, by, last_day: datetime.date, adjustment: Adjustment) -> None:
    version.valid_to = last_day
    version.save(update_fields=["valid_to"])
    audit_record(
        actor=by,
        action="catalog.version.close",
        target=version,
        changes={"valid_to": {"before": None, "after": last_day}},
        note=f"{adjustment}",
    )


def _copy_version(version: ItemVersion, *, by, adjustment, is_suspended: bool) -> ItemVersion:
    """An exact copy of a published version's elements (suspend / resume change nothing else)."""
    copy = ItemVersion.objects.create(
        item=version.item,
        state=ItemVersion.State.DRAFT,
        adjustment=adjustment,
        based_on=version,
        created_by=by,
        is_suspended=is_suspended,
        **{f: getattr(version, f) for f in elements.SCALAR_FIELDS},
    )
    raw = elements.raw_from_version(version)
    _write_children(copy, raw["legal_bases"], raw["materials"], raw["fee_items"], raw["places"])
    return copy


def _activate(item: Item, version: ItemVersion) -> None:
    item.status = Item.Status.ACTIVE
    _sync_head(item, version)
    item.save()


def _end(item: Item, on: datetime.date) -> None:
    item.status, item.ended_on = Item.Status.ENDED, on
    item.save()


@transaction.atomic
def adjustment_approve(*, by, adjustment: Adjustment, note: str = "") -> Adjustment:
    """Approve a submitted adjustment (the reviewer never contributed to it) and apply it on its date.

    The proposed versions are published from `effective_on`; the versions they replace end the
    day before and stay readable. Split and merge record their lineage; suspend and resume publish
    a copy with the suspension flag; cancel only ends the item.
    """
    adjustment = _review_checks(by, adjustment)
    if adjustment.is_import:
        return _approve_import(by=by, adjustment=adjustment, note=note)
    if adjustment.effective_on < _today():
        raise ServiceError(
            "past_date",
            f"生效日期（{adjustment.effective_on}）已过，请退回申请人修改生效日期",
            field="effective_on",
        )
    latest = _check_bases_current(adjustment)
    day = adjustment.effective_on
    last_day = day - datetime.timedelta(days=1)
    proposed = list(adjustment.proposed_versions.select_related("item").order_by("pk"))
    for version in proposed:
        _complete_check(version)
    kind = adjustment.kind
    subjects = list(adjustment.items.all())

    if kind in (K.SUSPEND, K.RESUME):
        old = latest[subjects[0].pk]
        proposed = [_copy_version(old, by=by, adjustment=adjustment, is_suspended=kind == K.SUSPEND)]
    for item in subjects:
        _close(latest[item.pk], by=by, last_day=last_day, adjustment=adjustment)
    for version in proposed:
        if version.item.status == Item.Status.ACTIVE:
            _check_code_free(version.implementation_code, item=version.item)
        _publish(version, by=by, valid_from=day)
        _activate(version.item, version)
    if kind in (K.SPLIT, K.MERGE, K.CANCEL):
        for item in subjects:
            _end(item, day)
    if kind in (K.SPLIT, K.MERGE):
        for source in subjects:
            for version in proposed:
                ItemLineage.objects.create(
                    predecessor=source,
                    successor=version.item,
                    kind=kind,
                    adjustment=adjustment,
                    effective_on=day,
                )
    return _approved(by=by, adjustment=adjustment, note=note)


def _approved(*, by, adjustment: Adjustment, note: str, summary: str = "") -> Adjustment:
    before = snapshot(adjustment, ADJUSTMENT_FIELDS)
    adjustment.status = Adjustment.Status.APPROVED
    adjustment.reviewed_by, adjustment.reviewed_at, adjustment.review_note = (
        by,
        timezone.now(),
        (note or "").strip(),
    )
    adjustment.save()
    audit_record(
        actor=by,
        action="catalog.adjustment.approve",
        target=adjustment,
        changes=diff(before, snapshot(adjustment, ADJUSTMENT_FIELDS)),
        note="；".join(x for x in (adjustment.review_note, summary) if x),
    )
    return adjustment


def _approve_import(*, by, adjustment: Adjustment, note: str) -> Adjustment:
    """A 批量导入 request: every draft is published in bulk, in this transaction (exchange.publish_batch)."""
    from bangban.catalog import exchange

    count = exchange.publish_batch(by=by, adjustment=adjustment)
    return _approved(by=by, adjustment=adjustment, note=note, summary=f"发布 {count} 个导入的事项")


@transaction.atomic
def adjustment_return(*, by, adjustment: Adjustment, note: str) -> Adjustment:
    """Return a submitted adjustment to its author with the reviewer's reasons; nothing takes effect."""
    adjustment = _review_checks(by, adjustment)
    note = (note or "").strip()
    if not note:
        raise ServiceError("required", "退回须写明审核意见", field="note")
    before = snapshot(adjustment, ADJUSTMENT_FIELDS)
    adjustment.status = Adjustment.Status.RETURNED
    adjustment.reviewed_by, adjustment.reviewed_at, adjustment.review_note = by, timezone.now(), note
    adjustment.save()
    audit_record(
        actor=by,
        action="catalog.adjustment.return",
        target=adjustment,
        changes=diff(before, snapshot(adjustment, ADJUSTMENT_FIELDS)),
        note=note,
    )
    return adjustment


@transaction.atomic
def adjustment_withdraw(*, by, adjustment: Adjustment) -> Adjustment:
    """Abandon an open adjustment. A new item's draft goes back to being a plain draft of that item
    (to edit and submit again); the drafts proposed for existing items are removed, and so are the
    drafts of a 批量导入 with the items they created (import the corrected workbook again)."""
    require_cap(by, Cap.CATALOG_MANAGE, MANAGE_MESSAGE)
    adjustment = _locked(adjustment)
    if not adjustment.is_open:
        raise ServiceError("not_open", f"{adjustment.get_status_display()}的调整申请不能撤回")
    if by.pk not in (adjustment.created_by_id, adjustment.submitted_by_id):
        raise ServiceError("not_author", "只有申请人本人可以撤回调整申请")
    discarded = ""
    if adjustment.is_import:
        from bangban.catalog import exchange

        discarded = f"删除导入的 {exchange.discard_batch(adjustment=adjustment)} 个事项草稿"
    for version in list(adjustment.proposed_versions.select_related("item")):
        item = version.item
        if adjustment.kind == K.NEW:
            version.adjustment = None
            version.save(update_fields=["adjustment", "updated_at"])
            continue
        version.delete()
        if item.status == Item.Status.DRAFT and not item.versions.exists():
            item.delete()
    before = snapshot(adjustment, ADJUSTMENT_FIELDS)
    adjustment.status = Adjustment.Status.WITHDRAWN
    adjustment.save()
    audit_record(
        actor=by,
        action="catalog.adjustment.withdraw",
        target=adjustment,
        changes=diff(before, snapshot(adjustment, ADJUSTMENT_FIELDS)),
        note=discarded,
    )
    return adjustment


# ---- 清单 -----------------------------------------------------------------------------------


def _require_listing_rights(by, institution: Institution) -> None:
    if by is None:  # the platform itself (demo data, commands)
        return
    if not (has_cap(by, Cap.CATALOG_MANAGE) or has_cap(by, Cap.ORG_MANAGE)):
        raise AccessRefused("capability_required", "您的角色无权维护帮办代办事项清单")
    if not institution_in_scope(by, institution):
        raise NotInScope(target=institution)


@transaction.atomic
def listing_set(
    *, by, institution: Institution, item: Item, offers_help: bool, offers_agency: bool, note: str = ""
) -> ListingEntry | None:
    """Put `item` on `institution`'s 帮办代办清单 in the given modes (both off removes it).

    A mode is accepted only where the item's current version allows it at the institution's tier
    (事项下沉).
    """
    _require_listing_rights(by, institution)
    item = Item.objects.get(pk=item.pk)
    entry = ListingEntry.objects.select_for_update().filter(institution=institution, item=item).first()
    if not offers_help and not offers_agency:
        if entry is not None:
            audit_record(
                actor=by,
                action="catalog.listing.remove",
                target=entry,
                institution=institution,
                changes=diff({"modes": entry.modes_label}, {}),
            )
            entry.delete()
        return None
    from bangban.catalog.selectors import in_force_q

    version = ItemVersion.objects.filter(in_force_q(_today()), item=item).order_by(
        "-valid_from"
    ).first() or latest_published(item)
    if item.status == Item.Status.DRAFT or version is None:
        raise ServiceError("not_published", f"事项“{item.name}”尚未发布，不能列入清单", field="item")
    if item.status == Item.Status.ENDED and (item.ended_on is None or item.ended_on <= _today()):
        raise ServiceError("ended", f"事项“{item.name}”已终止，不能列入清单", field="item")
    tier_label = Institution.Tier(institution.tier).label
    if offers_help and not version.allows("help", institution.tier):
        raise ServiceError(
            "not_allowed_at_tier", f"事项“{item.name}”不允许在{tier_label}帮办", field="offers_help"
        )
    if offers_agency and not version.allows("agency", institution.tier):
        raise ServiceError(
            "not_allowed_at_tier", f"事项“{item.name}”不允许在{tier_label}代办", field="offers_agency"
        )
    before = {"modes": entry.modes_label, "note": entry.note} if entry else {}
    if entry is None:
        entry = ListingEntry(institution=institution, item=item)
    entry.offers_help, entry.offers_agency, entry.note = (
        offers_help,
        offers_agency,
        (note or "").strip()[:200],
    )
    entry.save()
    changes = diff(before, {"modes": entry.modes_label, "note": entry.note})
    if changes:
        audit_record(
            actor=by, action="catalog.listing.set", target=entry, institution=institution, changes=changes
        )
    return entry


# ---- 一件事 ---------------------------------------------------------------------------------

BUNDLE_FIELDS = ["name", "audience", "description", "is_published"]


def _bundle_clean(name, audience, items):
    fresh = Item.objects.in_bulk([i.pk for i in items])
    items = [fresh.get(i.pk, i) for i in items]
    name = (name or "").strip()
    if not name:
        raise ServiceError("required", "请填写一件事的名称", field="name")
    if len(name) > 100:
        raise ServiceError("invalid", "名称不能超过 100 个字符", field="name")
    if audience not in dict(Bundle.AUDIENCES):
        raise ServiceError("invalid", "服务对象应为企业或个人", field="audience")
    if len(items) < 2:
        raise ServiceError("required", "一件事至少包含两个事项", field="items")
    if len({i.pk for i in items}) != len(items):
        raise ServiceError("invalid", "一件事中的事项有重复", field="items")
    for item in items:
        if item.status == Item.Status.DRAFT:
            raise ServiceError("not_published", f"事项“{item.name}”尚未发布", field="items")
    return name


def _bundle_items(bundle: Bundle, items: list[Item]) -> None:
    bundle.entries.all().delete()
    BundleItem.objects.bulk_create(
        [BundleItem(bundle=bundle, item=item, position=i) for i, item in enumerate(items)]
    )


@transaction.atomic
def bundle_create(
    *, by, name: str, audience: str, items: list[Item], description: str = "", is_published: bool = True
) -> Bundle:
    """A 一件事 grouping ≥ 2 published items in the order they are handled."""
    if by is not None:
        require_cap(by, Cap.CATALOG_MANAGE, MANAGE_MESSAGE)
    items = list(items)
    name = _bundle_clean(name, audience, items)
    if Bundle.objects.filter(name=name).exists():
        raise ServiceError("duplicate", f"已有名为“{name}”的一件事", field="name")
    bundle = Bundle.objects.create(
        name=name, audience=audience, description=(description or "").strip(), is_published=is_published
    )
    _bundle_items(bundle, items)
    audit_record(
        actor=by,
        action="catalog.bundle.create",
        target=bundle,
        changes=created(snapshot(bundle, BUNDLE_FIELDS) | {"items": [i.name for i in items]}),
    )
    return bundle


@transaction.atomic
def bundle_update(
    *,
    by,
    bundle: Bundle,
    name: str,
    audience: str,
    items: list[Item],
    description: str = "",
    is_published: bool = True,
) -> Bundle:
    require_cap(by, Cap.CATALOG_MANAGE, MANAGE_MESSAGE)
    bundle = Bundle.objects.select_for_update().get(pk=bundle.pk)
    items = list(items)
    name = _bundle_clean(name, audience, items)
    if Bundle.objects.filter(name=name).exclude(pk=bundle.pk).exists():
        raise ServiceError("duplicate", f"已有名为“{name}”的一件事", field="name")
    before = snapshot(bundle, BUNDLE_FIELDS) | {
        "items": [e.item.name for e in bundle.entries.select_related("item")]
    }
    bundle.name, bundle.audience = name, audience
    bundle.description, bundle.is_published = (description or "").strip(), is_published
    bundle.save()
    _bundle_items(bundle, items)
    changes = diff(before, snapshot(bundle, BUNDLE_FIELDS) | {"items": [i.name for i in items]})
    if changes:
        audit_record(actor=by, action="catalog.bundle.update", target=bundle, changes=changes)
    return bundle


# ---- import / export ------------------------------------------------------------------------


def catalog_import_xlsx(
    *, by, data: bytes, filename: str = "", progress: Callable[[str, int, int], None] | None = None
):
    """Import a catalog workbook: every row and cell is validated first; if anything is wrong the whole
    file is refused (ServiceError "import_invalid" listing every bad sheet/row/column) and nothing is
    written. Otherwise every item is written in one transaction, in bulk: by a person, as drafts held by
    one submitted 批量导入 adjustment (`result.adjustment`) that another 事项管理员 approves (publishing
    the whole batch) or returns; only the platform (by=None) publishes directly.

    Not wrapped in a single transaction on purpose: the validation pass only reads, and its progress
    must be visible to the page polling the import job; the writing pass is atomic (see exchange).
    """
    from bangban.catalog import exchange

    if by is not None:
        require_cap(by, Cap.CATALOG_MANAGE, MANAGE_MESSAGE)
    return exchange.import_workbook(by=by, data=data, filename=filename, progress=progress)


def catalog_export_xlsx(*, by, on: datetime.date | None = None) -> bytes:
    """The catalog in force on `on` (default today) as a workbook in the import shape (round trip)."""
    from bangban.catalog import exchange

    require_cap(by, Cap.CATALOG_VIEW, "您的角色无权导出事项目录")
    on = on or _today()
    data, count = exchange.export_workbook(on=on)
    audit_record(
        actor=by,
        action="catalog.export",
        object_type="catalog.item",
        object_repr=f"事项目录（{on}）",
        note=f"导出 {count} 个事项",
    )
    return data
