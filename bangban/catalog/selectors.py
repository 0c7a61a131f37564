"""Reads of the catalog.

The catalog is a shared reference: every staff member and the public may read published
versions, so reads are not scoped by institution. Drafts, adjustments and import jobs are for
staff holding CATALOG_VIEW. The 清单 of an institution is readable by everyone (it is published
at the window); who may edit it is decided in services.listing_set.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from bangban.accounts.permissions import has_cap, require_cap
from bangban.accounts.roles import Cap
from bangban.catalog import codes
from bangban.catalog.models import Adjustment, Bundle, BundleItem, ImportJob, Item, ItemVersion, ListingEntry
from bangban.org.models import Institution
from bangban.org.selectors import institutions_in_scope

MODES = ("help", "agency")


def in_force_q(on: datetime.date, prefix: str = "") -> Q:
    """Published and in force on `on` (valid_from ≤ on ≤ valid_to, open end allowed)."""
    return Q(**{f"{prefix}state": ItemVersion.State.PUBLISHED, f"{prefix}valid_from__lte": on}) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": on})
    )


def _with_related(qs: QuerySet[ItemVersion]) -> QuerySet[ItemVersion]:
    return qs.select_related("item", "department", "department__institution")


def item_version_in_force(*, item: Item | int, on: datetime.date) -> ItemVersion | None:
    """The published version of `item` in force on `on`, or None (not yet, no longer, or never published).

    Suspended versions are returned too (check `version.is_suspended`): a case accepted before a
    suspension still refers to its version.
    """
    item_id = item.pk if isinstance(item, Item) else item
    return (
        _with_related(ItemVersion.objects.filter(in_force_q(on), item_id=item_id))
        .prefetch_related("materials", "legal_bases", "fee_items", "places__institution")
        .order_by("-valid_from")
        .first()
    )


def versions_in_force(*, on: datetime.date) -> QuerySet[ItemVersion]:
    return _with_related(ItemVersion.objects.filter(in_force_q(on)))


def item_search(
    *,
    q: str = "",
    on: datetime.date,
    item_type: str = "",
    department: int | None = None,
    tag: str = "",
    audience: str = "",
    public_domain: str = "",
    include_suspended: bool = True,
) -> QuerySet[ItemVersion]:
    """Versions in force on `on` matching a free text (name, basic or implementation code, department),
    a type, a department id, a tag code (or label), an audience (enterprise/citizen) or a public domain."""
    qs = versions_in_force(on=on)
    q = (q or "").strip()
    if q:
        text = Q(name__icontains=q) | Q(department__name__icontains=q) | Q(competent_department__icontains=q)
        if q.isdigit() or len(q) in (18, 31):
            text |= Q(basic_code__startswith=q) | Q(implementation_code__startswith=q.upper())
        text |= Q(main_item_name__icontains=q)
        qs = qs.filter(text)
    if item_type:
        qs = qs.filter(item_type=item_type)
    if department:
        qs = qs.filter(department_id=department)
    if tag:
        code = tag if tag in codes.TAGS else codes.TAG_BY_LABEL.get(tag, tag)
        qs = qs.filter(tags__contains=f",{code},")
    if audience in (codes.ENTERPRISE, codes.CITIZEN):
        audience_q = Q()
        for code, (_label, who) in codes.TAGS.items():
            if who == audience:
                audience_q |= Q(tags__contains=f",{code},")
        qs = qs.filter(audience_q)
    if public_domain:
        qs = qs.filter(public_domain=public_domain)
    if not include_suspended:
        qs = qs.filter(is_suspended=False)
    return qs.order_by("basic_code", "implementation_code")


def offered_items(
    *, institution: Institution, on: datetime.date, mode: str | None = None
) -> QuerySet[ItemVersion]:
    """The versions in force on `on` that `institution`'s 帮办代办清单 offers, in `mode` ("help" 帮办,
    "agency" 代办, None either), and that the version itself allows at the institution's tier.
    Suspended versions are left out: a suspended item accepts no new cases."""
    if mode not in (None, *MODES):
        raise ValueError(f"unknown mode {mode!r}: use 'help', 'agency' or None")
    tier = str(int(institution.tier))
    listing = ListingEntry.objects.filter(institution=institution, item_id=OuterRef("item_id"))
    help_q = Q(Exists(listing.filter(offers_help=True)), help_tiers__contains=tier)
    agency_q = Q(Exists(listing.filter(offers_agency=True)), agency_tiers__contains=tier)
    mode_q = {"help": help_q, "agency": agency_q, None: help_q | agency_q}[mode]
    return (
        versions_in_force(on=on)
        .filter(mode_q, is_suspended=False)
        .order_by("basic_code", "implementation_code")
    )


def offered_versions(
    *, institution: Institution, on: datetime.date, mode: str, item_ids: list[int], columns: tuple[str, ...]
) -> dict[int, ItemVersion]:
    """{item id: version} for those of `item_ids` that `offered_items(institution, on, mode)` contains,
    loading only `columns` (attribute names). One hand-written statement for the hot path of case
    registration (tests compare it with offered_items)."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}: use 'help' or 'agency'")
    if not item_ids:
        return {}
    from django.db import connection

    from bangban.core.db.rows import placeholders, selection

    quote = connection.ops.quote_name
    chosen = selection(ItemVersion, "v", columns)
    tiers = "help_tiers" if mode == "help" else "agency_tiers"
    offers = "offers_help" if mode == "help" else "offers_agency"
    sql = (
        f"SELECT {chosen.sql} FROM {quote(ItemVersion._meta.db_table)} v "
        f"WHERE v.item_id IN ({placeholders(len(item_ids))}) AND v.state = %s AND v.valid_from <= %s "
        "AND (v.valid_to IS NULL OR v.valid_to >= %s) AND v.is_suspended = %s "
        f"AND v.{tiers} LIKE %s AND EXISTS (SELECT 1 FROM {quote(ListingEntry._meta.db_table)} l "
        f"WHERE l.institution_id = %s AND l.item_id = v.item_id AND l.{offers} = %s)"
    )
    params = [
        *item_ids,
        ItemVersion.State.PUBLISHED,
        on,
        on,
        False,
        f"%{int(institution.tier)}%",
        institution.pk,
        True,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    versions = [chosen.instance(row) for row in rows]
    return {v.item_id: v for v in versions}


def latest_published(item: Item) -> ItemVersion | None:
    return item.versions.filter(state=ItemVersion.State.PUBLISHED).order_by("-valid_from", "-pk").first()


def open_draft(item: Item) -> ItemVersion | None:
    """The directly editable draft of a never-published item (not part of an adjustment)."""
    return item.versions.filter(state=ItemVersion.State.DRAFT, adjustment__isnull=True).first()


def item_versions(item: Item) -> list[ItemVersion]:
    """Every version, published ones by start date, then drafts."""
    return list(
        item.versions.select_related("adjustment", "published_by").order_by("state", "valid_from", "pk")
    )


def item_get(*, pk, user=None) -> Item:
    """An item: anyone may read published items; drafts only staff with CATALOG_VIEW."""
    qs = Item.objects.select_related("department", "department__institution")
    if user is None or not has_cap(user, Cap.CATALOG_VIEW):
        qs = qs.exclude(status=Item.Status.DRAFT)
    return qs.get(pk=pk)


def version_get(*, pk, user=None) -> ItemVersion:
    qs = _with_related(ItemVersion.objects.all()).prefetch_related(
        "materials", "legal_bases", "fee_items", "places__institution"
    )
    if user is None or not has_cap(user, Cap.CATALOG_VIEW):
        qs = qs.filter(state=ItemVersion.State.PUBLISHED)
    return qs.get(pk=pk)


def item_list(
    *,
    user,
    q: str = "",
    status: str = "",
    item_type: str = "",
    department: int | None = None,
    tag: str = "",
) -> QuerySet[Item]:
    """Staff list of items (drafts included), by their head fields (the latest version)."""
    require_cap(user, Cap.CATALOG_VIEW, "您的角色无权查看事项目录")
    qs = Item.objects.select_related("department", "department__institution")
    q = (q or "").strip()
    if q:
        qs = qs.filter(
            Q(name__icontains=q)
            | Q(basic_code__startswith=q)
            | Q(implementation_code__startswith=q.upper())
            | Q(department__name__icontains=q)
        )
    if status:
        qs = qs.filter(status=status)
    if department:
        qs = qs.filter(department_id=department)
    if item_type or tag:
        latest = ItemVersion.objects.filter(item_id=OuterRef("pk"))
        if item_type:
            latest = latest.filter(item_type=item_type)
        if tag:
            latest = latest.filter(tags__contains=f",{tag},")
        qs = qs.filter(Exists(latest))
    return qs.order_by("basic_code", "implementation_code")


def name_inconsistencies(*, on: datetime.date) -> list[dict]:
    """Basic codes whose versions in force on `on` carry different names (the same item must have the
    same name at every level, Shanghai text §4.1): [{basic_code, names: [{name, items: [...]}]}]."""
    rows = versions_in_force(on=on).values_list("basic_code", "name", "item_id", "item__implementation_code")
    by_code: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for basic_code, name, item_id, impl in rows:
        by_code[basic_code][name].append({"id": item_id, "implementation_code": impl})
    report = []
    for basic_code in sorted(by_code):
        names = by_code[basic_code]
        if len(names) > 1:
            report.append(
                {"basic_code": basic_code, "names": [{"name": n, "items": names[n]} for n in sorted(names)]}
            )
    return report


def same_code_names(*, version: ItemVersion, on: datetime.date) -> list[str]:
    """Other names in force under this version's basic code (for a warning on the item page)."""
    return sorted(
        set(
            versions_in_force(on=on)
            .filter(basic_code=version.basic_code)
            .exclude(name=version.name)
            .values_list("name", flat=True)
        )
    )


def lineage(item: Item) -> dict[str, list]:
    return {
        "predecessors": list(item.predecessor_links.select_related("predecessor", "adjustment")),
        "successors": list(item.successor_links.select_related("successor", "adjustment")),
    }


# ---- adjustments ----------------------------------------------------------------------------


def adjustment_list(
    *, user, status: str = "", kind: str = "", item: Item | None = None
) -> QuerySet[Adjustment]:
    require_cap(user, Cap.CATALOG_VIEW, "您的角色无权查看事项调整")
    qs = Adjustment.objects.select_related("created_by", "submitted_by", "reviewed_by").prefetch_related(
        "items"
    )
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if item is not None:
        qs = qs.filter(Q(items=item) | Q(proposed_versions__item=item)).distinct()
    return qs.order_by("-created_at", "-pk")


def adjustment_get(*, user, pk) -> Adjustment:
    require_cap(user, Cap.CATALOG_VIEW, "您的角色无权查看事项调整")
    return Adjustment.objects.select_related("created_by", "submitted_by", "reviewed_by").get(pk=pk)


def adjustment_versions(adjustment: Adjustment, limit: int | None = None) -> list[ItemVersion]:
    qs = (
        adjustment.proposed_versions.select_related("item", "department", "based_on", "based_on__department")
        .prefetch_related(
            "materials",
            "legal_bases",
            "fee_items",
            "places",
            "based_on__materials",
            "based_on__legal_bases",
            "based_on__fee_items",
            "based_on__places",
        )
        .order_by("pk")
    )
    return list(qs[:limit] if limit is not None else qs)


def import_batch_summary(adjustment: Adjustment) -> dict | None:
    """What a 批量导入 request holds: {items, materials, legal_bases, filename}; None for other kinds."""
    if not adjustment.is_import:
        return None
    from bangban.catalog.models import LegalBasis, Material

    job = adjustment.import_jobs.order_by("pk").first()
    return {
        "items": adjustment.proposed_versions.count(),
        "materials": Material.objects.filter(version__adjustment=adjustment).count(),
        "legal_bases": LegalBasis.objects.filter(version__adjustment=adjustment).count(),
        "filename": job.filename if job else "",
    }


def import_batch_rows(adjustment: Adjustment) -> QuerySet[ItemVersion]:
    """The rows of a 批量导入 request, one per item in workbook order, each with its counts of
    materials and legal bases (subqueries, so a page of 50 costs 50 counts, not 10,000)."""
    from django.db.models import Count, IntegerField, Subquery

    from bangban.catalog.models import LegalBasis, Material

    def count(model):
        return Subquery(
            model.objects.filter(version=OuterRef("pk"))
            .order_by()
            .values("version")
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        )

    return (
        adjustment.proposed_versions.select_related("item", "department", "department__institution")
        .annotate(material_count=count(Material), legal_count=count(LegalBasis))
        .order_by("pk")
    )


def adjustment_diff(adjustment: Adjustment, versions: list[ItemVersion] | None = None) -> list[dict]:
    """The before/after comparison of an adjustment, one block per proposed version, or per subject
    item for suspend / resume / cancel before approval (they propose no version until then). Pages
    and API both show this: {title, item, version, base, rows (elements.diff)}."""
    from bangban.catalog import elements

    versions = adjustment_versions(adjustment) if versions is None else versions
    K = Adjustment.Kind
    blocks = []
    if adjustment.kind in (K.SUSPEND, K.RESUME, K.CANCEL) and not versions:
        for item in adjustment.items.all():
            base = latest_published(item)
            before = elements.display(base)
            if adjustment.kind == K.CANCEL:
                after = {}
            else:
                after = dict(before, is_suspended="是" if adjustment.kind == K.SUSPEND else "否")
            blocks.append(
                {
                    "title": item.name,
                    "item": item.pk,
                    "version": None,
                    "base": base,
                    "rows": elements.diff(before, after),
                }
            )
        return blocks
    for version in versions:
        base = version.based_on
        blocks.append(
            {
                "title": version.name,
                "item": version.item_id,
                "version": version,
                "base": base,
                "rows": elements.diff(elements.display(base) if base else {}, elements.display(version)),
            }
        )
    return blocks


def adjustment_contributor_ids(adjustment: Adjustment) -> set[int]:
    """Who raised, changed or submitted `adjustment`, or wrote one of its drafts: none may review it."""
    ids = {adjustment.created_by_id, adjustment.submitted_by_id}
    ids.update(adjustment.contributors.values_list("pk", flat=True))
    drafts = ItemVersion.objects.filter(adjustment=adjustment)
    ids.update(drafts.values_list("created_by", flat=True))
    ids.update(
        ItemVersion.contributors.through.objects.filter(itemversion__adjustment=adjustment).values_list(
            "user_id", flat=True
        )
    )
    ids.discard(None)
    return ids


def adjustment_reviewable_by(user, adjustment: Adjustment) -> bool:
    """Whether approve / return will be accepted from `user` (the page offers the buttons only then)."""
    return (
        has_cap(user, Cap.CATALOG_REVIEW)
        and adjustment.status == Adjustment.Status.SUBMITTED
        and user.pk not in adjustment_contributor_ids(adjustment)
    )


def _awaiting_review_by(user) -> QuerySet[Adjustment]:
    """Submitted requests `user` may review: one query, the same rule as adjustment_contributor_ids."""
    wrote_draft = ItemVersion.contributors.through.objects.filter(
        itemversion__adjustment=OuterRef("pk"), user=user
    )
    return (
        Adjustment.objects.filter(status=Adjustment.Status.SUBMITTED)
        .exclude(Q(created_by=user) | Q(submitted_by=user))
        .exclude(contributors=user)
        .exclude(Exists(wrote_draft))
        .exclude(Exists(ItemVersion.objects.filter(adjustment=OuterRef("pk"), created_by=user)))
    )


def pending_review_count(user) -> int:
    if not has_cap(user, Cap.CATALOG_REVIEW):
        return 0
    return _awaiting_review_by(user).count()


# ---- 清单 and 一件事 -------------------------------------------------------------------------


def listing_for(*, institution: Institution) -> QuerySet[ListingEntry]:
    return ListingEntry.objects.filter(institution=institution).select_related("item", "item__department")


def listing_institutions(*, user) -> QuerySet[Institution]:
    """Institutions whose 清单 this user may edit: CATALOG_MANAGE or ORG_MANAGE, within their scope."""
    if not (has_cap(user, Cap.CATALOG_MANAGE) or has_cap(user, Cap.ORG_MANAGE)):
        return Institution.objects.none()
    return institutions_in_scope(user).filter(is_active=True)


def listing_counts() -> dict[int, int]:
    from django.db.models import Count

    return dict(
        ListingEntry.objects.values("institution").annotate(n=Count("pk")).values_list("institution", "n")
    )


def bundle_list(*, published_only: bool = True) -> QuerySet[Bundle]:
    qs = Bundle.objects.prefetch_related(
        Prefetch("entries", queryset=BundleItem.objects.select_related("item").order_by("position", "pk"))
    )
    return qs.filter(is_published=True) if published_only else qs


def bundle_get(*, pk, published_only: bool = True) -> Bundle:
    return bundle_list(published_only=published_only).get(pk=pk)


def bundle_versions(bundle: Bundle, on: datetime.date) -> list[tuple[BundleItem, ItemVersion | None]]:
    entries = list(bundle.entries.all())
    versions = {
        v.item_id: v for v in versions_in_force(on=on).filter(item_id__in=[e.item_id for e in entries])
    }
    return [(e, versions.get(e.item_id)) for e in entries]


def import_jobs(*, user) -> QuerySet[ImportJob]:
    require_cap(user, Cap.CATALOG_MANAGE, "您的角色无权导入事项")
    return ImportJob.objects.defer("content").select_related("created_by")


# --- the window's type-ahead (issue 9) -----------------------------------------------------------

PICK_LIMIT = 15
PICK_QUERY_MAX = 50  # characters of a search; longer input is cut, never an error


def pick_query(q: str | None) -> str:
    """A picker search as matched: whitespace runs as one space, cut at PICK_QUERY_MAX characters."""
    return " ".join((q or "").split())[:PICK_QUERY_MAX]


@dataclass(frozen=True)
class Pick:
    """One line of the window's item picker."""

    item_id: int
    name: str
    basic_code: str
    implementation_code: str
    department: str
    promised_days: int
    is_immediate: bool
    frequent: bool = False

    @property
    def limit_label(self) -> str:
        return "即办" if self.is_immediate else f"{self.promised_days} 个工作日"


@dataclass(frozen=True)
class BundlePick:
    """A 一件事 whose offered items the picker adds at once (`item_ids`, in the bundle's order)."""

    bundle_id: int
    name: str
    item_ids: tuple[int, ...]
    missing: int  # items of the bundle this 清单 does not offer in the mode


_PICK_COLUMNS = (
    "item_id",
    "name",
    "basic_code",
    "implementation_code",
    "department__name",
    "promised_days",
    "is_immediate",
)


def _pick(row: dict, frequent: bool = False) -> Pick:
    return Pick(
        item_id=row["item_id"],
        name=row["name"],
        basic_code=row["basic_code"],
        implementation_code=row["implementation_code"],
        department=row["department__name"] or "",
        promised_days=row["promised_days"],
        is_immediate=row["is_immediate"],
        frequent=frequent,
    )


def pick_items(
    *,
    institution: Institution,
    on: datetime.date,
    mode: str | None,
    q: str = "",
    frequent: list[int] | tuple[int, ...] = (),
    limit: int = PICK_LIMIT,
) -> list[Pick]:
    """The window's type-ahead over `institution`'s 清单 (offered_items in `mode`): versions whose name
    contains `q`, whose pinyin initials contain it ("gtgsh"), whose basic or implementation code starts
    with it, or whose department's name contains it. The `frequent` item ids (the agent's most used,
    most used first) lead; then initials or name starting with `q`, then the other matches, shorter names
    (the closer match) first, then by code.
    An empty `q` gives the frequent items alone."""
    from django.db.models import Case, IntegerField, Value, When
    from django.db.models.functions import Length

    q = pick_query(q)
    offered = offered_items(institution=institution, on=on, mode=mode)
    frequent = [i for i in frequent if isinstance(i, int)][:limit]
    if not q:
        rows = {r["item_id"]: r for r in offered.filter(item_id__in=frequent).values(*_PICK_COLUMNS)}
        return [_pick(rows[i], frequent=True) for i in frequent if i in rows]
    letters = q.replace(" ", "").lower()
    if letters.isascii():
        # Initials or a code. The initials keep a name's own Latin letters and digits, so no
        # case-folding scan of every Chinese name is needed (UPPER() over the 清单 dominated the time).
        match = Q(name_initials__contains=letters) | Q(basic_code__startswith=letters)
        match |= Q(implementation_code__startswith=letters.upper())
    else:
        match = Q(name__contains=q) | Q(department__name__contains=q)
    matches = offered.filter(match)
    first = {r["item_id"]: r for r in matches.filter(item_id__in=frequent).values(*_PICK_COLUMNS)}
    out = [_pick(first[i], frequent=True) for i in frequent if i in first]
    rank = Case(
        When(name_initials__startswith=letters, then=Value(0)),
        When(name__startswith=q, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    rest = (
        matches.exclude(item_id__in=list(first))
        .annotate(rank=rank)
        .order_by("rank", Length("name"), "basic_code", "implementation_code")
        .values(*_PICK_COLUMNS)[: max(limit - len(out), 0)]
    )
    return out + [_pick(r) for r in rest]


def picks_for(
    *, institution: Institution, on: datetime.date, mode: str | None, item_ids: list[int]
) -> list[Pick]:
    """The picker's lines for chosen item ids (chips shown again), in the order given; ids the 清单
    does not offer in `mode` are left out."""
    rows = {
        r["item_id"]: r
        for r in offered_items(institution=institution, on=on, mode=mode)
        .filter(item_id__in=item_ids)
        .values(*_PICK_COLUMNS)
    }
    return [_pick(rows[i]) for i in dict.fromkeys(item_ids) if i in rows]


def _bundle_picks(
    bundles, *, institution: Institution, on: datetime.date, mode: str | None
) -> list[BundlePick]:
    wanted = {e.item_id for b in bundles for e in b.entries.all()}
    offered = set(
        offered_items(institution=institution, on=on, mode=mode)
        .filter(item_id__in=wanted)
        .values_list("item_id", flat=True)
    )
    out = []
    for b in bundles:
        ids = [e.item_id for e in b.entries.all()]
        present = tuple(i for i in ids if i in offered)
        if present:
            out.append(BundlePick(b.pk, b.name, present, missing=len(ids) - len(present)))
    return out


def pick_bundles(
    *, institution: Institution, on: datetime.date, mode: str | None, q: str, limit: int = 5
) -> list[BundlePick]:
    """Published 一件事 whose name (or its pinyin initials) contains `q`, with the items of each that
    `institution`'s 清单 offers in `mode`. Bundles are few (tens), so they are matched in memory."""
    q = pick_query(q)
    if not q:
        return []
    letters = q.replace(" ", "").lower()
    bundles = [
        b
        for b in Bundle.objects.filter(is_published=True).prefetch_related("entries")
        if q in b.name or (letters.isascii() and letters.isalnum() and letters in b.name_initials)
    ][:limit]
    return _bundle_picks(bundles, institution=institution, on=on, mode=mode) if bundles else []


def bundle_item_ids(
    *, institution: Institution, on: datetime.date, mode: str | None, bundle_ids: list[int]
) -> list[int]:
    """The items of the chosen published 一件事 that the 清单 offers in `mode`, in the bundles' order."""
    bundles = list(Bundle.objects.filter(pk__in=bundle_ids, is_published=True).prefetch_related("entries"))
    picks = _bundle_picks(bundles, institution=institution, on=on, mode=mode)
    return list(dict.fromkeys(i for b in picks for i in b.item_ids))


def offered_materials(
    *, institution: Institution, on: datetime.date, mode: str | None, item_ids: list[int]
) -> list[tuple[str, list]]:
    """(item name, [its version's materials the applicant hands in]) for each chosen item the 清单
    offers, in the order given: the window's checklist. 数据共享 materials need no handing in."""
    versions = {
        v.item_id: v
        for v in offered_items(institution=institution, on=on, mode=mode)
        .filter(item_id__in=item_ids)
        .prefetch_related("materials")
    }
    return [
        (versions[i].name, [m for m in versions[i].materials.all() if m.source != "shared"])
        for i in dict.fromkeys(item_ids)
        if i in versions
    ]
