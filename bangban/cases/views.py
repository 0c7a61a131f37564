from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from bangban.accounts.permissions import has_cap
from bangban.accounts.roles import Cap
from bangban.cases import clock, documents, selectors, services, tracking, workflow
from bangban.cases import forms as f
from bangban.cases.models import JointTask, Kind, Material, Status, Transfer
from bangban.cases.queue import MAX_PAGE
from bangban.catalog.models import Item
from bangban.catalog.selectors import offered_items
from bangban.core.errors import ServiceError
from bangban.core.forms import call_service, form_error_text, querystring_without_page
from bangban.core.navigation import requires
from bangban.core.routing import parse_id
from bangban.org.models import Department, Institution
from bangban.org.selectors import institution_in_scope
from bangban.workdays.selectors import get_calendar

QUEUE_PAGE_SIZE = 30


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
        status=q.get("status", ""),
        light=q.get("light", ""),
        mine=q.get("mine") == "1",
        q=q.get("q", ""),
        open_only=q.get("open", "1") == "1" and not q.get("status"),
    )
    calendar, today = get_calendar(), clock.today()
    rows = [(case, clock.light(case, on=today, calendar=calendar)) for case in cases[:QUEUE_PAGE_SIZE]]
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
            "transfers": selectors.pending_transfers_for(user=request.user)[:50],
            "tasks": selectors.tasks_for(user=request.user)[:50],
        },
    )


def _item_choices(user):
    if user.institution is None:
        return []
    versions = offered_items(institution=user.institution, on=clock.today())
    return [
        (str(v.item_id), f"{v.name}（{'即办' if v.is_immediate else str(v.promised_days) + ' 个工作日'}）")
        for v in versions
    ]


@login_required
@requires(Cap.CASE_HANDLE)
def create_view(request):
    form = f.CaseCreateForm(request.POST or None, item_choices=_item_choices(request.user))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        items = list(Item.objects.filter(pk__in=d.pop("items")))
        ok, case = call_service(form, lambda: services.case_create(by=request.user, items=items, **d))
        if ok:
            messages.success(request, f"已登记办件 {case.number}" + ("并受理" if case.accepted_on else ""))
            return redirect("cases:detail", pk=case.pk)
    return render(request, "cases/create.html", {"form": form})


def _action_forms(case, user):
    """The forms for the actions `user` may take now (the services' own guard), keyed by action."""
    allowed = set(services.case_allowed_actions(case=case, by=user))
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
            last = case.entrustments.order_by("-signed_at", "-id").first()
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
    tree_root = case.institution.path.split("/")[1]
    ctx = {
        "case": case,
        "light": clock.light(case),
        "items": case.items.all(),
        "events": selectors.timeline(case),
        "materials": case.materials.all(),
        "tasks": case.tasks.select_related("department", "assignee"),
        "transfers": case.transfers.select_related("from_institution", "to_institution", "to_department"),
        "forms_available": documents.available(case),
        "can_handle": can_handle,
        "actions": _action_forms(case, user),
        "can_extend": services.case_may_extend(case=case, by=user),
        "extend_form": f.ExtendForm(prefix="extend"),
        "material_form": f.MaterialForm(prefix="material"),
        "log_form": f.LogForm(prefix="log"),
        "transfer_form": f.TransferForm(
            prefix="transfer",
            institutions=Institution.objects.filter(
                path__startswith=f"/{tree_root}/", is_active=True
            ).exclude(pk=case.institution_id),
        ),
        "task_form": f.TaskForm(
            prefix="task",
            initial={"due_date": case.due_date},
            departments=Department.objects.filter(
                institution__path__startswith=f"/{tree_root}/", is_active=True
            ).select_related("institution"),
        ),
        "pending_transfer": case.transfers.filter(state=Transfer.State.PENDING).first(),
        "is_agency": case.kind == Kind.AGENCY,
        "my_task": case.tasks.filter(department_id=user.department_id, state=JointTask.State.OPEN).first()
        if user.department_id
        else None,
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
        elif name == "transfer":
            form = f.TransferForm(
                post, prefix="transfer", institutions=Institution.objects.filter(is_active=True)
            )
            if not form.is_valid():
                raise ServiceError("invalid", form_error_text(form))
            services.transfer_send(case=case, by=request.user, **form.cleaned_data)
            messages.success(request, "已发起转办，等待对方接收")
        elif name in ("transfer_accept", "transfer_return"):
            transfer = case.transfers.filter(state=Transfer.State.PENDING).first()
            if transfer is None:
                raise ServiceError("invalid", "没有待接收的转办")
            if name == "transfer_accept":
                services.transfer_accept(transfer=transfer, by=request.user)
                messages.success(request, "已接收转办")
            else:
                services.transfer_return(transfer=transfer, by=request.user, reason=post.get("reason", ""))
                messages.success(request, "已退回转办")
        elif name == "task":
            form = f.TaskForm(post, prefix="task", departments=Department.objects.filter(is_active=True))
            if not form.is_valid():
                raise ServiceError("invalid", form_error_text(form))
            services.task_create(case=case, by=request.user, **form.cleaned_data)
            messages.success(request, "已发起联办任务")
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


def track_view(request, token):
    """Public tracking page (QR code on every form, SMS link): progress in fixed citizen wording
    (cases.tracking), never staff notes, names or numbers typed by staff."""
    case = selectors.case_by_token(token)
    if case is None:
        raise Http404("办件不存在")
    return render(
        request,
        "cases/track.html",
        {
            "case": case,
            "lines": tracking.lines(selectors.track_events(case)),
            "status_text": tracking.current_status(case.status, selectors.open_suspension_reason(case)),
            "next_step": tracking.next_step(case.kind, case.status),
            "items": case.items.all(),
        },
    )
