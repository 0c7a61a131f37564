"""Catalog pages: staff (/catalog/) and public (/items/). Thin: forms in, services and selectors out."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from bangban.accounts.permissions import has_cap, require_cap
from bangban.accounts.roles import Cap
from bangban.catalog import codes, elements, exchange, selectors, services
from bangban.catalog.forms import (
    AdjustmentEditForm,
    AdjustmentForm,
    BundleForm,
    FeeItemFormSet,
    ImportForm,
    ItemForm,
    LegalBasisFormSet,
    MaterialFormSet,
    PlaceFormSet,
    PublicationForm,
    ReviewForm,
    item_data,
)
from bangban.catalog.models import Adjustment, Bundle, ImportJob, Item, ItemVersion, ListingEntry, Material
from bangban.catalog.notice import notice_pdf
from bangban.core.errors import ServiceError
from bangban.core.forms import call_service, querystring_without_page
from bangban.core.navigation import requires
from bangban.core.routing import parse_id
from bangban.org.models import Department
from bangban.org.selectors import get_in_scope

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _date_param(request, name="on") -> datetime.date:
    value = request.GET.get(name, "")
    try:
        return datetime.date.fromisoformat(value) if value else timezone.localdate()
    except ValueError:
        return timezone.localdate()


def _get(fn, **kwargs):
    try:
        return fn(**kwargs)
    except (Item.DoesNotExist, ItemVersion.DoesNotExist, Adjustment.DoesNotExist, Bundle.DoesNotExist):
        raise Http404("对象不存在")


def _lookup_items(text: str) -> list[Item]:
    """Items named by implementation codes, one per line; unknown codes are a ServiceError."""
    wanted = [line.strip().upper() for line in (text or "").splitlines() if line.strip()]
    found = {i.implementation_code: i for i in Item.objects.filter(implementation_code__in=wanted)}
    missing = [c for c in wanted if c not in found]
    if missing:
        raise ServiceError("unknown_item", f"没有实施编码为 {'、'.join(missing)} 的事项", field="items")
    return [found[c] for c in wanted]


def _search_context(request) -> dict:
    return {
        "types": list(codes.ITEM_TYPES.items()),
        "tags": [(c, label) for c, (label, _a) in codes.TAGS.items()],
        "departments": Department.objects.filter(catalog_items__isnull=False).distinct().order_by("name"),
        "query": querystring_without_page(request),
    }


# ---- staff: items ----------------------------------------------------------------------------


@login_required
@requires(Cap.CATALOG_VIEW)
def item_list_view(request):
    q = request.GET
    department = q.get("department")
    items = selectors.item_list(
        user=request.user,
        q=q.get("q", ""),
        status=q.get("status", ""),
        item_type=q.get("type", ""),
        department=parse_id(department),
        tag=q.get("tag", ""),
    )
    page = Paginator(items, 30).get_page(q.get("page"))
    today = timezone.localdate()
    return render(
        request,
        "catalog/item_list.html",
        {
            "page_obj": page,
            "statuses": Item.Status.choices,
            "can_manage": has_cap(request.user, Cap.CATALOG_MANAGE),
            "conflicts": selectors.name_inconsistencies(on=today)[:5],
            "pending": selectors.pending_review_count(request.user),
            **_search_context(request),
        },
    )


def _optional_formset(cls, request, prefix: str, initial=None, form_kwargs=None):
    """A formset bound only when the form sent its rows: a client that leaves out a whole section
    (older forms, scripts) keeps what the draft has instead of failing on missing management data."""
    sent = request.method == "POST" and f"{prefix}-TOTAL_FORMS" in request.POST
    return cls(request.POST if sent else None, prefix=prefix, initial=initial, form_kwargs=form_kwargs)


def _bound(*formsets):
    """Each formset, or None for one the request did not send (nothing to replace)."""
    return [f if f.is_bound else None for f in formsets]


@login_required
def item_create_view(request):
    require_cap(request.user, Cap.CATALOG_MANAGE, services.MANAGE_MESSAGE)
    form = ItemForm(request.POST or None)
    legal = LegalBasisFormSet(request.POST or None, prefix="legal")
    materials = MaterialFormSet(request.POST or None, request.FILES or None, prefix="materials")
    fees = _optional_formset(FeeItemFormSet, request, "fees")
    places = _optional_formset(PlaceFormSet, request, "places", form_kwargs={"user": request.user})
    subforms = (legal, materials, fees, places)
    if request.method == "POST" and form.is_valid() and all([f.is_valid() for f in subforms if f.is_bound]):
        ok, item = call_service(
            form,
            lambda: services.item_create(
                by=request.user, data=item_data(form, legal, materials, *_bound(fees, places))
            ),
        )
        if ok:
            messages.success(
                request, f"已保存草稿：{item.name}。核对无误后请提交发布审核，由另一位事项管理员批准后生效。"
            )
            return redirect("catalog:item_detail", pk=item.pk)
    return render(
        request,
        "catalog/version_form.html",
        {
            "form": form,
            "legal": legal,
            "materials": materials,
            "fees": fees,
            "places": places,
            "title": "新建政务服务事项",
        },
    )


@login_required
def item_detail_view(request, pk):
    require_cap(request.user, Cap.CATALOG_VIEW)
    item = _get(selectors.item_get, pk=pk, user=request.user)
    on = _date_param(request)
    versions = selectors.item_versions(item)
    current = selectors.item_version_in_force(item=item, on=on)
    shown = (
        current
        or next((v for v in reversed(versions) if v.is_published), None)
        or (versions[-1] if versions else None)
    )
    draft = selectors.open_draft(item)
    in_review = (
        next((v.adjustment for v in versions if not v.is_published and v.adjustment_id), None)
        if item.status == Item.Status.DRAFT
        else None
    )
    return render(
        request,
        "catalog/item_detail.html",
        {
            "item": item,
            "versions": versions,
            "current": current,
            "shown": shown,
            "on": on,
            "today": timezone.localdate(),
            "draft": draft,
            "in_review": in_review,
            "display": elements.display(shown) if shown else {},
            "labels": elements.LABELS,
            "lineage": selectors.lineage(item),
            "adjustments": selectors.adjustment_list(user=request.user, item=item)[:20],
            "other_names": selectors.same_code_names(version=shown, on=on)
            if shown and shown.is_published
            else [],
            "can_manage": has_cap(request.user, Cap.CATALOG_MANAGE),
            "kinds": [(k, k.label) for k in Adjustment.RAISABLE_KINDS if k != Adjustment.Kind.NEW],
        },
    )


@login_required
def version_detail_view(request, pk):
    require_cap(request.user, Cap.CATALOG_VIEW)
    version = _get(selectors.version_get, pk=pk, user=request.user)
    return render(
        request,
        "catalog/version_detail.html",
        {
            "version": version,
            "item": version.item,
            "display": elements.display(version),
            "labels": elements.LABELS,
            "missing": elements.guide_missing(version),
        },
    )


@login_required
def version_edit_view(request, pk):
    require_cap(request.user, Cap.CATALOG_MANAGE, services.MANAGE_MESSAGE)
    version = _get(selectors.version_get, pk=pk, user=request.user)
    if version.is_published:
        messages.error(request, "已发布的版本不能修改，请发起事项调整")
        return redirect("catalog:item_detail", pk=version.item_id)
    legal_initial = [
        {"rank": e.rank, "title": e.title, "article": e.article, "text": e.text}
        for e in version.legal_bases.all()
    ]
    material_initial = [
        {
            "name": m.name,
            "kind": m.kind,
            "copies": m.copies,
            "required": "1" if m.required else "0",
            "condition": m.condition,
            "source": m.source,
            "notes": m.notes,
            "blank_form": m.blank_form.name,
            "sample": m.sample.name,
        }
        for m in version.materials.all()
    ]
    form = ItemForm(request.POST or None, initial=ItemForm.initial_from(version))
    legal = LegalBasisFormSet(request.POST or None, prefix="legal", initial=legal_initial)
    materials = MaterialFormSet(
        request.POST or None, request.FILES or None, prefix="materials", initial=material_initial
    )
    fees = _optional_formset(
        FeeItemFormSet,
        request,
        "fees",
        initial=[{f: getattr(e, f) for f in elements.FEE_FIELDS} for e in version.fee_items.all()],
    )
    places = _optional_formset(
        PlaceFormSet,
        request,
        "places",
        initial=[
            {"institution": p.institution_id, "address": p.address, "hours": p.hours, "phone": p.phone}
            for p in version.places.all()
        ],
        form_kwargs={
            "user": request.user,
            "keep": [p.institution_id for p in version.places.all() if p.institution_id],
        },
    )
    subforms = (legal, materials, fees, places)
    if request.method == "POST" and form.is_valid() and all([f.is_valid() for f in subforms if f.is_bound]):
        ok, _ = call_service(
            form,
            lambda: services.item_version_update(
                by=request.user,
                version=version,
                data=item_data(form, legal, materials, *_bound(fees, places)),
            ),
        )
        if ok:
            messages.success(request, "草稿已保存")
            if version.adjustment_id:
                return redirect("catalog:adjustment_detail", pk=version.adjustment_id)
            return redirect("catalog:item_detail", pk=version.item_id)
    return render(
        request,
        "catalog/version_form.html",
        {
            "form": form,
            "legal": legal,
            "materials": materials,
            "fees": fees,
            "places": places,
            "title": f"编辑草稿：{version.name}",
            "version": version,
            "missing": elements.guide_missing(version),
        },
    )


@login_required
def version_submit_view(request, pk):
    """A new item's first publication: submitted for review, approved by another 事项管理员."""
    require_cap(request.user, Cap.CATALOG_MANAGE, services.MANAGE_MESSAGE)
    version = _get(selectors.version_get, pk=pk, user=request.user)
    form = PublicationForm(
        request.POST or None,
        initial={"effective_on": timezone.localdate(), "trigger": Adjustment.Trigger.LAW_ENACTED},
    )
    if request.method == "POST" and form.is_valid():
        ok, adjustment = call_service(
            form,
            lambda: services.item_version_submit(by=request.user, version=version, **form.cleaned_data),
        )
        if ok:
            messages.success(request, f"已提交发布审核：{version.name}。须由另一位事项管理员批准后生效。")
            return redirect("catalog:adjustment_detail", pk=adjustment.pk)
    return render(
        request,
        "catalog/simple_form.html",
        {
            "form": form,
            "title": f"提交发布审核：{version.name}",
            "lead": "新事项须经另一位事项管理员审核批准，自生效日期起施行；审核期间草稿不能修改，撤回申请后可继续修改。"
            "发布后本版本即冻结，以后的变更须发起事项调整。",
            "submit": "提交审核",
            "back": reverse("catalog:item_detail", args=[version.item_id]),
        },
    )


@login_required
@requires(Cap.CATALOG_VIEW)
def name_report_view(request):
    on = _date_param(request)
    return render(
        request, "catalog/name_report.html", {"report": selectors.name_inconsistencies(on=on), "on": on}
    )


# ---- staff: adjustments ----------------------------------------------------------------------


@login_required
@requires(Cap.CATALOG_VIEW)
def adjustment_list_view(request):
    q = request.GET
    qs = selectors.adjustment_list(user=request.user, status=q.get("status", ""), kind=q.get("kind", ""))
    page = Paginator(qs, 30).get_page(q.get("page"))
    return render(
        request,
        "catalog/adjustment_list.html",
        {
            "page_obj": page,
            "statuses": Adjustment.Status.choices,
            "kinds": Adjustment.Kind.choices,
            "query": querystring_without_page(request),
            "can_manage": has_cap(request.user, Cap.CATALOG_MANAGE),
        },
    )


@login_required
def adjustment_create_view(request):
    require_cap(request.user, Cap.CATALOG_MANAGE, services.MANAGE_MESSAGE)
    kind = request.POST.get("kind") or request.GET.get("kind") or Adjustment.Kind.CHANGE
    item = (
        Item.objects.filter(pk=request.GET.get("item")).first()
        if parse_id(request.GET.get("item", "")) is not None
        else None
    )
    initial = {
        "kind": kind,
        "items": item.implementation_code if item else "",
        "effective_on": timezone.localdate() + datetime.timedelta(days=1),
    }
    form = AdjustmentForm(request.POST or None, initial=initial)
    is_new = kind == Adjustment.Kind.NEW
    item_form = ItemForm(request.POST or None, prefix="el") if is_new else None
    if request.method == "POST" and form.is_valid() and (item_form is None or item_form.is_valid()):
        d = form.cleaned_data

        def run():
            try:
                proposed = form.parsed_new()
            except Exception as exc:  # a ValidationError from parsing the lines
                raise ServiceError(
                    "invalid", " ".join(getattr(exc, "messages", [str(exc)])), field="new_names"
                )
            if is_new:
                proposed = [dict(item_form.cleaned_data)]
            return services.adjustment_create(
                by=request.user,
                kind=d["kind"],
                trigger=d["trigger"],
                justification=d["justification"],
                effective_on=d["effective_on"],
                items=_lookup_items(d["items"]) if not is_new else [],
                proposed=proposed,
            )

        ok, adjustment = call_service(form, run)
        if ok:
            messages.success(request, "已创建调整申请草稿。请核对拟调整的要素，然后提交审核。")
            return redirect("catalog:adjustment_detail", pk=adjustment.pk)
    return render(
        request,
        "catalog/adjustment_form.html",
        {
            "form": form,
            "item_form": item_form,
            "item": item,
            "kind": kind,
            "kinds": [(k, k.label) for k in Adjustment.RAISABLE_KINDS],
        },
    )


@login_required
def adjustment_detail_view(request, pk):
    adjustment = _get(selectors.adjustment_get, user=request.user, pk=pk)
    user = request.user
    can_review = selectors.adjustment_reviewable_by(user, adjustment)
    if adjustment.is_import:  # thousands of rows: a paged table, one line per item, not a diff each
        blocks = []
        rows = Paginator(selectors.import_batch_rows(adjustment), 50).get_page(request.GET.get("page"))
    else:
        blocks = selectors.adjustment_diff(adjustment, selectors.adjustment_versions(adjustment))
        rows = None
    return render(
        request,
        "catalog/adjustment_detail.html",
        {
            "adjustment": adjustment,
            "items": list(adjustment.items.all()),
            "batch": selectors.import_batch_summary(adjustment),
            "page_obj": rows,
            "query": querystring_without_page(request),
            "blocks": blocks,
            "only_changes": request.GET.get("all") != "1",
            "can_edit": has_cap(user, Cap.CATALOG_MANAGE) and adjustment.is_editable,
            "can_withdraw": has_cap(user, Cap.CATALOG_MANAGE)
            and adjustment.is_open
            and user.pk in (adjustment.created_by_id, adjustment.submitted_by_id),
            "can_review": can_review,
            "own_submission": adjustment.status == Adjustment.Status.SUBMITTED
            and user.pk in selectors.adjustment_contributor_ids(adjustment),
            "review_form": ReviewForm(),
            "lineage": adjustment.lineage.select_related("predecessor", "successor"),
        },
    )


@login_required
def adjustment_edit_view(request, pk):
    require_cap(request.user, Cap.CATALOG_MANAGE, services.MANAGE_MESSAGE)
    adjustment = _get(selectors.adjustment_get, user=request.user, pk=pk)
    initial = {f: getattr(adjustment, f) for f in ("trigger", "justification", "effective_on")}
    form = AdjustmentEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        ok, _ = call_service(
            form,
            lambda: services.adjustment_update(by=request.user, adjustment=adjustment, **form.cleaned_data),
        )
        if ok:
            messages.success(request, "已保存")
            return redirect("catalog:adjustment_detail", pk=adjustment.pk)
    return render(
        request,
        "catalog/simple_form.html",
        {
            "form": form,
            "title": f"修改{adjustment}",
            "submit": "保存",
            "back": reverse("catalog:adjustment_detail", args=[pk]),
        },
    )


def _act(request, pk, fn, done: str):
    adjustment = _get(selectors.adjustment_get, user=request.user, pk=pk)
    try:
        fn(adjustment)
    except ServiceError as exc:
        messages.error(request, exc.message)
        for extra in exc.errors[1:6]:
            messages.error(request, extra["message"])
    else:
        messages.success(request, done)
    return redirect("catalog:adjustment_detail", pk=pk)


@require_POST
@login_required
def adjustment_submit_view(request, pk):
    return _act(
        request,
        pk,
        lambda a: services.adjustment_submit(by=request.user, adjustment=a),
        "已提交审核，请等待另一位事项管理员审核",
    )


@require_POST
@login_required
def adjustment_withdraw_view(request, pk):
    return _act(
        request, pk, lambda a: services.adjustment_withdraw(by=request.user, adjustment=a), "已撤回调整申请"
    )


@require_POST
@login_required
def adjustment_review_view(request, pk):
    note = request.POST.get("note", "")
    if request.POST.get("decision") == "approve":
        return _act(
            request,
            pk,
            lambda a: services.adjustment_approve(by=request.user, adjustment=a, note=note),
            "已批准，调整将于生效日期起施行",
        )
    return _act(
        request,
        pk,
        lambda a: services.adjustment_return(by=request.user, adjustment=a, note=note),
        "已退回申请人修改",
    )


# ---- staff: 清单 ------------------------------------------------------------------------------


@login_required
@requires(Cap.CATALOG_VIEW)
def listing_index_view(request):
    institutions = selectors.listing_institutions(user=request.user)
    counts = selectors.listing_counts()
    rows = [(i, counts.get(i.pk, 0)) for i in institutions]
    return render(request, "catalog/listing_index.html", {"rows": rows})


@login_required
def listing_detail_view(request, institution_pk):
    institution = get_in_scope(
        selectors.listing_institutions(user=request.user), request.user, institution_pk, field=""
    )
    today = timezone.localdate()
    if request.method == "POST":
        item = Item.objects.filter(pk=parse_id(request.POST.get("item"))).first()
        if item is None:
            messages.error(request, "请选择事项")
        else:
            try:
                entry = services.listing_set(
                    by=request.user,
                    institution=institution,
                    item=item,
                    offers_help=request.POST.get("offers_help") == "on",
                    offers_agency=request.POST.get("offers_agency") == "on",
                    note=request.POST.get("note", ""),
                )
            except ServiceError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"已更新清单：{item.name}" if entry else f"已移出清单：{item.name}")
        return redirect(
            f"{reverse('catalog:listing_detail', args=[institution.pk])}?q={request.POST.get('q', '')}"
        )
    entries = list(selectors.listing_for(institution=institution))
    listed = {e.item_id for e in entries}
    q = request.GET.get("q", "").strip()
    candidates = []
    if q:
        tier = str(institution.tier)
        for v in selectors.item_search(q=q, on=today)[:200]:
            if v.item_id in listed or not (tier in v.help_tiers or tier in v.agency_tiers):
                continue
            candidates.append(v)
            if len(candidates) >= 30:
                break
    return render(
        request,
        "catalog/listing_detail.html",
        {
            "institution": institution,
            "entries": entries,
            "candidates": candidates,
            "q": q,
            "tier": institution.tier,
        },
    )


# ---- staff: 一件事 ----------------------------------------------------------------------------


@login_required
@requires(Cap.CATALOG_VIEW)
def bundle_admin_list_view(request):
    return render(
        request,
        "catalog/bundle_admin_list.html",
        {
            "bundles": selectors.bundle_list(published_only=False),
            "can_manage": has_cap(request.user, Cap.CATALOG_MANAGE),
        },
    )


@login_required
def bundle_edit_view(request, pk=None):
    require_cap(request.user, Cap.CATALOG_MANAGE, services.MANAGE_MESSAGE)
    bundle = _get(selectors.bundle_get, pk=pk, published_only=False) if pk else None
    initial = {}
    if bundle:
        initial = {
            "name": bundle.name,
            "audience": bundle.audience,
            "description": bundle.description,
            "is_published": bundle.is_published,
            "items": "\n".join(e.item.implementation_code for e in bundle.entries.all()),
        }
    form = BundleForm(request.POST or None, initial=initial or {"is_published": True})
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)

        def run():
            items = _lookup_items(d.pop("items"))
            if bundle:
                return services.bundle_update(by=request.user, bundle=bundle, items=items, **d)
            return services.bundle_create(by=request.user, items=items, **d)

        ok, saved = call_service(form, run)
        if ok:
            messages.success(request, f"已保存一件事：{saved.name}")
            return redirect("catalog:bundle_admin_list")
    return render(
        request,
        "catalog/simple_form.html",
        {
            "form": form,
            "title": f"编辑一件事：{bundle.name}" if bundle else "新建一件事",
            "submit": "保存",
            "back": reverse("catalog:bundle_admin_list"),
        },
    )


# ---- staff: import / export ------------------------------------------------------------------


@login_required
@requires(Cap.CATALOG_MANAGE, message="您的角色无权导入事项")
def import_view(request):
    jobs = selectors.import_jobs(user=request.user).select_related("adjustment")[:10]
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        from django.db import transaction

        from bangban.catalog.tasks import run_catalog_import

        upload = form.cleaned_data["file"]
        job = ImportJob.objects.create(
            created_by=request.user, filename=upload.name[:200], content=upload.read()
        )
        transaction.on_commit(lambda: run_catalog_import.delay(job.pk))
        return redirect("catalog:import_job", pk=job.pk)
    return render(request, "catalog/import.html", {"form": form, "jobs": jobs})


@login_required
def import_job_view(request, pk):
    job = _job(request, pk)
    return render(request, "catalog/import_job.html", {"job": job})


@login_required
def import_progress_view(request, pk):
    return render(request, "catalog/_import_progress.html", {"job": _job(request, pk)})


def _job(request, pk) -> ImportJob:
    job = selectors.import_jobs(user=request.user).filter(pk=pk).first()
    if job is None:
        raise Http404("导入任务不存在")
    return job


@login_required
def export_view(request):
    on = _date_param(request)
    data = services.catalog_export_xlsx(by=request.user, on=on)
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="catalog-{on}.xlsx"'
    return response


@login_required
def template_view(request):
    require_cap(request.user, Cap.CATALOG_VIEW)
    response = HttpResponse(exchange.template_workbook(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="catalog-template.xlsx"'
    return response


# ---- public ----------------------------------------------------------------------------------


@require_GET
def public_search_view(request):
    q = request.GET
    on = _date_param(request)
    department = q.get("department")
    results = selectors.item_search(
        q=q.get("q", ""),
        on=on,
        item_type=q.get("type", ""),
        department=parse_id(department),
        tag=q.get("tag", ""),
        audience=q.get("audience", ""),
    )
    page = Paginator(results, 20).get_page(q.get("page"))
    return render(
        request,
        "catalog/public_search.html",
        {"page_obj": page, "bundles": selectors.bundle_list()[:6], "on": on, **_search_context(request)},
    )


def _public_version(request, pk) -> tuple[Item, ItemVersion, datetime.date]:
    item = _get(selectors.item_get, pk=pk)
    on = _date_param(request)
    version = selectors.item_version_in_force(item=item, on=on)
    if version is None:
        raise Http404(f"该事项在 {on} 没有施行中的版本")
    return item, version, on


@require_GET
def public_guide_view(request, pk):
    item, version, on = _public_version(request, pk)
    history = [v for v in selectors.item_versions(item) if v.is_published]
    at = parse_id(request.GET.get("at"))
    place = version.place_for(at)
    facts = [
        (label, elements.guide_text(version, key))
        for key, label in elements.GUIDE_ELEMENTS
        if key in ("service_objects", "visits", "online_depth", "intermediary", "quantity_limit")
    ]
    return render(
        request,
        "catalog/public_guide.html",
        {
            "item": item,
            "version": version,
            "on": on,
            "at": at,
            "place": place,
            "facts": facts,
            "delivery": elements.guide_text(version, "delivery_methods"),
            "conditions_text": elements.guide_text(version, "conditions"),
            "history": history,
            "lineage": selectors.lineage(item),
            "bundles": item.bundles.filter(is_published=True),
            "offered_at": ListingEntry.objects.filter(item=item)
            .select_related("institution")
            .order_by("institution__path")[:50],
        },
    )


@require_GET
def public_notice_view(request, pk):
    item, version, on = _public_version(request, pk)
    url = request.build_absolute_uri(reverse("public_catalog:guide", args=[item.pk]))
    response = HttpResponse(notice_pdf(version, on=on, url=url), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="notice-{item.implementation_code}.pdf"'
    return response


@require_GET
def public_attachment_view(request, pk, which):
    material = (
        Material.objects.select_related("version")
        .filter(pk=pk, version__state=ItemVersion.State.PUBLISHED)
        .first()
    )
    if material is None or which not in ("blank_form", "sample"):
        raise Http404("附件不存在")
    f = getattr(material, which)
    if not f:
        raise Http404("附件不存在")
    return FileResponse(f.open("rb"), as_attachment=True, filename=f.name.rsplit("/", 1)[-1])


@require_GET
def public_bundle_list_view(request):
    return render(request, "catalog/public_bundles.html", {"bundles": selectors.bundle_list()})


@require_GET
def public_bundle_view(request, pk):
    bundle = _get(selectors.bundle_get, pk=pk)
    on = _date_param(request)
    return render(
        request,
        "catalog/public_bundle.html",
        {"bundle": bundle, "rows": selectors.bundle_versions(bundle, on), "on": on},
    )
