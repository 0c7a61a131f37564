from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.http import Http404, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_POST

from bangban.accounts.permissions import has_cap
from bangban.accounts.roles import Cap
from bangban.cases import cardreader, clock, documents, selectors, services, tracking, workflow
from bangban.cases import forms as f
from bangban.cases.models import ApplicantType, Kind, Material, Status, listing_mode
from bangban.cases.queue import MAX_PAGE
from bangban.catalog.selectors import (
    bundle_item_ids,
    offered_materials,
    pick_bundles,
    pick_items,
    pick_query,
    picks_for,
)
from bangban.core.errors import ServiceError
from bangban.core.forms import call_service, form_error_text, querystring_without_page
from bangban.core.navigation import requires
from bangban.core.routing import parse_id
from bangban.org.models import Department, Institution
from bangban.org.selectors import institution_in_scope
from bangban.workdays.selectors import get_calendar

QUEUE_PAGE_SIZE = 30
WAITING = 20  # transfers and joint tasks shown above the queue


def page_number(value) -> int:
    """The requested page (1 for anything that is no page number: the list then starts over)."""
    number = parse_id(value)
    return number if number and number <= MAX_PAGE else 1


@login_required
@requires(*selectors.READER_CAPS)
def queue_view(request):
    """The work queue, most urgent first. Pages are drawn without counting the scope (a count over
    an institution's cases costs more than the page): one row more than shown says whether there
    is a next page."""
    q = request.GET
    number = page_number(q.get("page"))
    offset = (number - 1) * QUEUE_PAGE_SIZE
    cases = selectors.case_page(
        user=request.user,
        offset=offset,
        limit=QUEUE_PAGE_SIZE + 1,
        only=selectors.ROW_FIELDS,
        status=q.get("status", ""),
        light=q.get("light", ""),
        mine=q.get("mine") == "1",
        q=q.get("q", ""),
        open_only=q.get("open", "1") == "1" and not q.get("status"),
    )
    calendar, today = get_calendar(), clock.today()
    rows = [(case, clock.light(case, on=today, calendar=calendar)) for case in cases[:QUEUE_PAGE_SIZE]]
    first = number == 1 and not q.get("q")
    return render(
        request,
        "cases/queue.html",
        {
            "page_number": number,
            "previous_page": number - 1 if number > 1 else None,
            "next_page": number + 1 if len(cases) > QUEUE_PAGE_SIZE else None,
            "rows": rows,
            "query": querystring_without_page(request),
            "statuses": Status.choices,
            "can_create": has_cap(request.user, Cap.CASE_HANDLE),
            # What waits for the user heads the first page only (the 工作台 lists it too).
            "transfers": selectors.pending_transfers_for(user=request.user)[:WAITING] if first else [],
            "tasks": selectors.tasks_for(user=request.user)[:WAITING] if first else [],
        },
    )


# --- registration at the window (issue 9) ------------------------------------------------------


def _posted_ids(values, limit: int) -> list[int]:
    return list(dict.fromkeys(i for v in values[: limit * 2] if (i := parse_id(v)) is not None))[:limit]


def _chosen(user, kind: str, item_ids: list[int]) -> list:
    if not item_ids or user.institution is None:
        return []
    return picks_for(
        institution=user.institution, on=clock.today(), mode=listing_mode(kind), item_ids=item_ids
    )


def _bundle_items(user, kind: str, bundle_ids: list[int]) -> list[int]:
    if not bundle_ids or user.institution is None:
        return []
    return bundle_item_ids(
        institution=user.institution, on=clock.today(), mode=listing_mode(kind), bundle_ids=bundle_ids
    )


def _checklist(user, kind: str, item_ids: list[int]) -> list[tuple]:
    if not item_ids or user.institution is None:
        return []
    return offered_materials(
        institution=user.institution, on=clock.today(), mode=listing_mode(kind), item_ids=item_ids
    )


def _register_page(request, form, data):
    """The registration page for `form` (bound after a failed registration, else unbound with `data`)."""
    user, kind = request.user, data.get("kind") or Kind.HELP
    item_ids = _posted_ids(data.getlist("items"), f.MAX_ITEMS)
    item_ids = list(
        dict.fromkeys(
            [*item_ids, *_bundle_items(user, kind, _posted_ids(data.getlist("bundles"), f.MAX_BUNDLES))]
        )
    )
    found, bundles, query = [], [], pick_query(data.get("item_q"))
    if query and user.institution is not None:  # the search posted back (no JavaScript)
        found = [
            p
            for p in pick_items(
                institution=user.institution,
                on=clock.today(),
                mode=listing_mode(kind),
                q=query,
                frequent=selectors.frequent_items(user=user),
            )
            if p.item_id not in item_ids
        ]
        bundles = pick_bundles(
            institution=user.institution, on=clock.today(), mode=listing_mode(kind), q=query
        )
    applicant = _with_prefill(
        user,
        selectors.applicant_cases(
            user=user,
            id_number=data.get("id_number", ""),
            phone=data.get("phone", ""),
            credit_code=data.get("credit_code", ""),
        ),
    )
    return render(
        request,
        "cases/create.html",
        {
            "form": form,
            "chosen": _chosen(user, kind, item_ids),
            "found": found,
            "found_bundles": bundles,
            "item_query": query,
            "checklist": _checklist(user, kind, item_ids),
            "received": set(_posted_ids(data.getlist("received"), services.MAX_RECEIVED)),
            "applicant_cases": applicant,
            "card_error": data.get("_card_error", ""),
        },
    )


def _with_prefill(user, cases) -> list[tuple]:
    """(case, whether it is the one to take the applicant's details from: the newest the user handles)."""
    handled = [c for c in cases if institution_in_scope(user, c.institution)]
    newest = max(handled, key=lambda c: (c.created_at, c.pk)) if handled else None
    return [(c, c is newest) for c in cases]


def _card_step(data) -> None:
    """The 读卡 line posted without JavaScript: its name and ID number into the form's data."""
    try:
        read = cardreader.parse(data.get("card", ""))
    except cardreader.CardReadError as exc:
        data["_card_error"] = str(exc)
    else:
        data["id_number"], data["applicant_type"] = read.id_number, ApplicantType.PERSON
        if read.name:
            data["applicant_name"] = read.name
    data["card"] = ""


@login_required
@requires(Cap.CASE_HANDLE)
def create_view(request):
    if request.method != "POST":
        data = QueryDict(mutable=True)
        if prefill := parse_id(request.GET.get("prefill", "")):  # 带入申请人信息 without JavaScript
            data.update(_prefill(request.user, prefill))
        if consultation := parse_id(request.GET.get("consultation", "")):  # 咨询转为办件
            from bangban.complaints.views import case_prefill

            data.update(case_prefill(request.user, consultation))
        return _register_page(request, f.CaseCreateForm(initial=data.dict()), data)
    data = request.POST.copy()
    # Without JavaScript the one form carries every step: a 读卡 line or an item search (the 查找
    # button, the form's first, so also Enter in any field) is done and the page shown again, with
    # the chosen items' checklist; the 登记 button registers whatever is left in those boxes.
    registering = "register" in data  # the 登记 button (Ctrl+Enter with JS posts neither step)
    if not registering and data.get("card", "").strip():
        _card_step(data)
        return _register_page(request, f.CaseCreateForm(initial=data.dict()), data)
    if not registering and ("find" in data or data.get("item_q", "").strip()):
        return _register_page(request, f.CaseCreateForm(initial=data.dict()), data)
    form = f.CaseCreateForm(data)
    if form.is_valid():
        d = form.cleaned_data
        items = list(
            dict.fromkeys([*d.pop("items"), *_bundle_items(request.user, d["kind"], d.pop("bundles"))])
        )
        received = d.pop("received")
        ok, case = call_service(
            form, lambda: services.case_register(by=request.user, items=items, received=received, **d)
        )
        if ok:
            messages.success(request, f"已登记办件 {case.number}" + ("并受理" if case.accepted_on else ""))
            if consultation := parse_id(data.get("consultation", "")):  # 咨询转为办件: link it back
                from bangban.complaints.views import link_case

                link_case(request, consultation, case)
            url = reverse("cases:detail", kwargs={"pk": case.pk})
            return redirect(url + ("?print=A" if case.accepted_on else ""))
    return _register_page(request, form, data)


def _prefill(user, pk: int) -> dict:
    """The applicant's details from one of their earlier cases the user handles, in clear: each
    value shown is revealed through the audited services (NotInScope → 404 otherwise)."""
    case = selectors.case_get(user=user, pk=pk)
    out = {
        "applicant_type": case.applicant_type,
        "applicant_name": case.applicant_name,
        "credit_code": case.credit_code,
        "contact_name": case.contact_name,
        "phone": services.case_reveal_phone(case=case, by=user),
    }
    if case.applicant_id_encrypted:
        out["id_number"] = services.case_reveal_id(case=case, by=user)
    return out


@login_required
@requires(Cap.CASE_HANDLE)
def pick_view(request):
    """The type-ahead's answer (JSON): items of the user's 清单 and 一件事 matching `q`."""
    user, q = request.user, request.GET.get("q", "")
    mode = listing_mode(request.GET.get("kind", ""))
    if user.institution is None:
        return JsonResponse({"items": [], "bundles": []})
    on = clock.today()
    picks = pick_items(
        institution=user.institution, on=on, mode=mode, q=q, frequent=selectors.frequent_items(user=user)
    )
    bundles = pick_bundles(institution=user.institution, on=on, mode=mode, q=q)
    return JsonResponse(
        {
            "items": [
                {
                    "id": p.item_id,
                    "name": p.name,
                    "code": p.basic_code,
                    "department": p.department,
                    "limit": p.limit_label,
                    "immediate": p.is_immediate,
                    "frequent": p.frequent,
                }
                for p in picks
            ],
            "bundles": [
                {"id": b.bundle_id, "name": b.name, "items": list(b.item_ids), "missing": b.missing}
                for b in bundles
            ],
        }
    )


@login_required
@requires(Cap.CASE_HANDLE)
def pick_names_view(request):
    """Chips for item ids (a bundle's items): [{id, name, limit}] of those the 清单 offers."""
    kind = request.GET.get("kind", "")
    chosen = _chosen(request.user, kind, _posted_ids(request.GET.getlist("items"), f.MAX_ITEMS))
    return JsonResponse(
        {"items": [{"id": p.item_id, "name": p.name, "limit": p.limit_label} for p in chosen]}
    )


@login_required
@requires(Cap.CASE_HANDLE)
def checklist_view(request):
    """The materials checklist of the chosen items (an HTML fragment, the page's own markup)."""
    q, user = request.GET, request.user
    item_ids = _posted_ids(q.getlist("items"), f.MAX_ITEMS)
    return render(
        request,
        "cases/_checklist.html",
        {
            "checklist": _checklist(user, q.get("kind", ""), item_ids),
            "received": set(_posted_ids(q.getlist("received"), services.MAX_RECEIVED)),
        },
    )


@login_required
@requires(Cap.CASE_HANDLE)
@require_POST
def applicant_view(request):
    """A 读卡 line and/or an identifier typed at the window → the card's fields (JSON) and the panel of
    the applicant's earlier cases the user may see (HTML). POST: ID and phone numbers stay out of URLs
    and logs."""
    data = request.POST
    card, error = {}, ""
    id_number = data.get("id_number", "")
    if data.get("card", "").strip():
        try:
            read = cardreader.parse(data["card"])
        except cardreader.CardReadError as exc:
            error = str(exc)
        else:
            card = {"name": read.name, "id_number": read.id_number}
            id_number = read.id_number
    cases = selectors.applicant_cases(
        user=request.user,
        id_number=id_number,
        phone=data.get("phone", ""),
        credit_code=data.get("credit_code", ""),
    )
    panel = render_to_string(
        "cases/_applicant_cases.html",
        {"applicant_cases": _with_prefill(request.user, cases)},
        request=request,
    )
    return JsonResponse({"card": card, "error": error, "panel": panel, "found": len(cases)})


@login_required
@requires(Cap.CASE_HANDLE)
@require_POST
def applicant_prefill_view(request, pk):
    """The returning applicant's details from case `pk`, revealed through the audited services."""
    return JsonResponse(_prefill(request.user, pk))


def _action_forms(case, user, *, facts, entrustments):
    """The forms for the actions `user` may take now (the services' own guard), keyed by action.
    `facts` and `entrustments` (in signing order): the case's, as the page has loaded them."""
    allowed = set(services.case_allowed_actions(case=case, by=user, facts=facts))
    out = {}
    today = clock.today()
    next_year = today + timedelta(days=365)
    for name in (
        "apply",
        "accept",
        "analyse",
        "entrust",
        "start",
        "suspend",
        "resume",
        "complete",
        "terminate",
        "archive",
    ):
        if name not in allowed:
            continue
        form = {
            "analyse": f.AnalyseForm,
            "entrust": f.EntrustForm,
            "suspend": f.SuspendForm,
            "resume": f.ResumeForm,
            "complete": f.ResultForm,
            "terminate": f.ReasonForm,
        }.get(name)
        initial = {}
        if name == "entrust":
            initial = {"period_start": today, "period_end": next_year}
        elif name == "resume":
            last = entrustments[-1] if entrustments else None
            initial = {"period_end": max(last.period_end, today) if last else next_year}
        out[name] = {
            "label": workflow.ACTION_LABELS[name],
            "form": form(initial=initial, prefix=name) if form else None,
        }
    return out


@login_required
def detail_view(request, pk):
    case = selectors.case_get(user=request.user, pk=pk)
    user = request.user
    can_handle = has_cap(user, Cap.CASE_HANDLE) and institution_in_scope(user, case.institution)
    # The transfer waiting, the user's own open task and the facts the actions' guard reads are
    # among the lists the page shows anyway. Only the columns shown: an ordered statement costs
    # Django time for every column it selects.
    tasks = list(
        case.tasks.select_related("department", "assignee").only(
            *("case", "department", "assignee", "description", "due_date", "state", "result"),
            *("department__name", "assignee__full_name", "assignee__username"),
        )
    )
    transfers = list(
        case.transfers.select_related("from_institution", "to_institution", "to_department").only(
            *("case", "from_institution", "to_institution", "to_department", "state", "reason"),
            *("from_institution__name", "to_institution__name", "to_department__name"),
            "to_institution__path",  # whether the user may answer the transfer (its scope)
        )
    )
    materials = list(case.materials.all())
    entrustments = selectors.entrustments_of(case)  # for the forms, the actions, the booking panel
    facts = services.facts_from_rows(transfers=transfers, tasks=tasks, materials=materials)
    ctx = {
        "case": case,
        "light": clock.light(case),
        "items": case.items.all(),
        "events": selectors.timeline(case),
        "materials": materials,
        "tasks": tasks,
        "transfers": transfers,
        "entrustments": entrustments,
        "forms_available": documents.available(case, entrustments=entrustments),
        # Just registered and accepted: form A opens for printing (cases/create.html → here).
        "print_form": "A" if request.GET.get("print") == "A" and can_handle and case.accepted_on else "",
        "can_handle": can_handle,
        "actions": _action_forms(case, user, facts=facts, entrustments=entrustments),
        "can_extend": services.case_may_extend(case=case, by=user),
        "extend_form": f.ExtendForm(prefix="extend"),
        "material_form": f.MaterialForm(prefix="material"),
        "log_form": f.LogForm(prefix="log"),
        "pending_transfer": next(
            (t for t in transfers if services.row_is(t, services.PENDING_TRANSFER)), None
        ),
        "is_agency": case.kind == Kind.AGENCY,
        "my_task": next(
            (
                t
                for t in tasks
                if user.department_id
                and t.department_id == user.department_id
                and services.row_is(t, services.OPEN_TASK)
            ),
            None,
        ),
    }
    ctx["calendar_warnings"] = clock.calendar_warnings(case)
    ctx["can_answer_transfer"] = (
        bool(ctx["pending_transfer"])
        and institution_in_scope(user, ctx["pending_transfer"].to_institution)
        and has_cap(user, Cap.CASE_HANDLE)
    )
    return render(request, "cases/detail.html", ctx)


ACTIONS = {
    "apply": (None, services.case_apply),
    "accept": (None, services.case_accept),
    "start": (None, services.case_start),
    "archive": (None, services.case_archive),
    "analyse": (f.AnalyseForm, services.case_analyse),
    "entrust": (f.EntrustForm, services.case_entrust),
    "suspend": (f.SuspendForm, services.case_suspend),
    "resume": (f.ResumeForm, services.case_resume),
    "complete": (f.ResultForm, services.case_complete),
    "terminate": (f.ReasonForm, services.case_terminate),
    "extend": (f.ExtendForm, services.case_extend),
}


@login_required
@require_POST
def action_view(request, pk, name):
    case = selectors.case_get(user=request.user, pk=pk)
    if name not in ACTIONS:
        raise Http404
    form_class, service = ACTIONS[name]
    data = {}
    if form_class:
        form = form_class(request.POST, prefix=name)
        if not form.is_valid():
            messages.error(request, form_error_text(form))
            return redirect("cases:detail", pk=case.pk)
        data = form.cleaned_data
    version = request.POST.get("version")
    try:
        if version and parse_id(version) is None:
            raise ServiceError("stale", "办件版本无效，请刷新页面后再操作", field="version")
        service(case=case, by=request.user, expected_version=parse_id(version), **data)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已{workflow.ACTION_LABELS.get(name, '延期')}")
    return redirect("cases:detail", pk=case.pk)


@login_required
@require_POST
def sub_action_view(request, pk, name):
    """Materials, log, transfer, tasks: the parts of a case that are not transitions."""
    case = selectors.case_get(user=request.user, pk=pk)
    post = request.POST
    try:
        if name == "material":
            form = f.MaterialForm(post, prefix="material")
            if not form.is_valid():
                raise ServiceError("invalid", form_error_text(form))
            services.material_receive(case=case, by=request.user, **form.cleaned_data)
            messages.success(request, "已登记接收材料")
        elif name == "material_return":
            material = Material.objects.filter(pk=parse_id(post.get("material")), case=case).first()
            if material is None:
                raise ServiceError("invalid", "材料不存在")
            services.material_return(material=material, by=request.user)
            messages.success(request, f"已登记退还：{material.name}")
        elif name == "log":
            form = f.LogForm(post, prefix="log")
            if not form.is_valid():
                raise ServiceError("invalid", form_error_text(form))
            services.log_add(
                case=case, by=request.user, text=form.cleaned_data["text"], on=form.cleaned_data.get("on")
            )
            messages.success(request, "已记录日志")
        elif name in ("transfer_accept", "transfer_return"):
            transfer = case.transfers.filter(**services.PENDING_TRANSFER).first()
            if transfer is None:
                raise ServiceError("invalid", "没有待接收的转办")
            if name == "transfer_accept":
                services.transfer_accept(transfer=transfer, by=request.user)
                messages.success(request, "已接收转办")
            else:
                services.transfer_return(transfer=transfer, by=request.user, reason=post.get("reason", ""))
                messages.success(request, "已退回转办")
        elif name == "task_complete":
            task = case.tasks.filter(pk=parse_id(post.get("task"))).first()
            if task is None:
                raise ServiceError("invalid", "联办任务不存在")
            services.task_complete(task=task, by=request.user, result=post.get("result", ""))
            messages.success(request, "已完成联办任务")
        elif name == "reveal_id":
            number = services.case_reveal_id(case=case, by=request.user)
            messages.info(request, f"申请人身份证号：{number}（本次查看已留痕）")
        elif name == "reveal_phone":
            phone = services.case_reveal_phone(case=case, by=request.user)
            messages.info(request, f"申请人联系电话：{phone}（本次查看已留痕）")
        else:
            raise Http404
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("cases:detail", pk=case.pk)


def _tree_root(case) -> str:
    return case.institution.path.split("/")[1]


def _case_form_page(request, case, form, *, title: str, button: str, done: str, service):
    """A case action with a form of its own page (the transfer and the joint task: their choice lists
    run to a county's hundreds of institutions, too long to draw on every view of the case)."""
    if request.method == "POST" and form.is_valid():
        ok, _ = call_service(form, lambda: service(case=case, by=request.user, **form.cleaned_data))
        if ok:
            messages.success(request, done)
            return redirect("cases:detail", pk=case.pk)
    return render(
        request, "cases/case_form.html", {"case": case, "form": form, "title": title, "button": button}
    )


@login_required
@requires(Cap.CASE_HANDLE)
def transfer_view(request, pk):
    case = selectors.case_get(user=request.user, pk=pk)
    institutions = Institution.objects.filter(
        path__startswith=f"/{_tree_root(case)}/", is_active=True
    ).exclude(pk=case.institution_id)
    form = f.TransferForm(request.POST or None, prefix="transfer", institutions=institutions)
    return _case_form_page(
        request,
        case,
        form,
        title="转办",
        button="发起转办",
        done="已发起转办，等待对方接收",
        service=services.transfer_send,
    )


@login_required
@requires(Cap.CASE_HANDLE)
def task_view(request, pk):
    case = selectors.case_get(user=request.user, pk=pk)
    departments = Department.objects.filter(
        institution__path__startswith=f"/{_tree_root(case)}/", is_active=True
    ).select_related("institution")
    form = f.TaskForm(
        request.POST or None, prefix="task", initial={"due_date": case.due_date}, departments=departments
    )
    return _case_form_page(
        request,
        case,
        form,
        title="发起联办任务",
        button="发起",
        done="已发起联办任务",
        service=services.task_create,
    )


@login_required
def form_pdf_view(request, pk, code):
    case = selectors.case_get(user=request.user, pk=pk)
    try:
        data = documents.render(case, code)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("cases:detail", pk=case.pk)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{case.number}-{code.upper()}.pdf"'
    return response


TRACK_SECONDS = 60


def track_view(request, token):
    """Public tracking page (QR code on every form, SMS link): progress in fixed citizen wording
    (cases.tracking), never staff notes, names or numbers typed by staff.

    The page is kept in the app's cache under the case's mark (selectors.case_for_tracking: its version and
    last timeline event), so a change to the case shows at once; what the mark does not follow (the
    institution's phone) shows within TRACK_SECONDS. A visitor with a session or flash messages (sent
    here after booking in bookings.views) gets the page rendered for them."""
    case = selectors.case_for_tracking(token)
    if case is None:
        raise Http404("办件不存在")
    if (
        settings.SESSION_COOKIE_NAME in request.COOKIES
        or CookieStorage.cookie_name in request.COOKIES
        # Only the address the SMS and QR code give is kept: a query string changes the page (the
        # 关怀版 switch links back to it), and keeping one copy per string would let anyone fill the
        # cache by inventing strings.
        or request.META.get("QUERY_STRING")
    ):
        return _track_page(request, case)
    key = f"cases:track:{case.track_mark}"
    html = cache.get(key)
    if html is not None:
        return HttpResponse(html)
    response = _track_page(request, case)
    if response.status_code == 200 and not response.cookies:
        cache.set(key, response.content.decode(), TRACK_SECONDS)
    return response


def _track_page(request, case):
    return render(
        request,
        "cases/track.html",
        {
            "case": case,
            "lines": tracking.lines(selectors.track_events(case)),
            "status_text": tracking.current_status(case.status, selectors.open_suspension_reason(case)),
            "next_step": tracking.next_step(case.kind, case.status),
            "items": selectors.track_items(case),
        },
    )
