"""Complaint and consultation pages (thin: forms → services, reads → selectors)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from bangban.accounts.models import User
from bangban.accounts.permissions import has_cap
from bangban.accounts.roles import Cap
from bangban.cases.models import Case
from bangban.catalog.selectors import pick_items
from bangban.complaints import forms as f
from bangban.complaints import selectors, services, workflow
from bangban.complaints.models import Channel, ConsultChannel, Status
from bangban.core.errors import AccessRefused, ServiceError
from bangban.core.forms import call_service, form_error_text, querystring_without_page
from bangban.core.navigation import requires
from bangban.core.routing import parse_id
from bangban.org.selectors import institution_in_scope, institutions_in_scope, scope_q

PAGE_SIZE = 30


def _date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


# --- complaints ------------------------------------------------------------------------------------


@login_required
@requires(*selectors.COMPLAINT_READERS)
def list_view(request):
    q, today = request.GET, services.today()
    complaints = selectors.complaint_list(
        user=request.user,
        status=q.get("status", "") if q.get("status") in Status.values else "",
        late=q.get("late") == "1",
        channel=q.get("channel", "") if q.get("channel") in Channel.values else "",
        institution_id=parse_id(q.get("institution", "")),
        case_id=parse_id(q.get("case", "")),
        date_from=_date(q.get("from")),
        date_to=_date(q.get("to")),
        today=today,
    )
    page = Paginator(complaints, PAGE_SIZE).get_page(parse_id(q.get("page", "")) or 1)
    rows = [(c, workflow.is_late(c.step_due, today, c.status)) for c in page.object_list]
    return render(
        request,
        "complaints/list.html",
        {
            "page": page,
            "rows": rows,
            "query": querystring_without_page(request),
            "statuses": Status.choices,
            "channels": Channel.choices,
            "institutions": institutions_in_scope(request.user).order_by("path"),
            "can_register": services.can_register_complaint(request.user),
        },
    )


def _complaint_form(request, data=None, initial=None):
    user = request.user
    agents = User.objects.filter(scope_q(user), is_active=True).order_by("full_name")[:500]
    return f.ComplaintForm(
        data, initial=initial, agents=agents, institutions=institutions_in_scope(user).order_by("path")
    )


@login_required
@requires(Cap.CASE_HANDLE, Cap.COMPLAINT_HANDLE)
def create_view(request):
    if request.method != "POST":
        initial = {}
        if case_id := parse_id(request.GET.get("case", "")):
            case = Case.objects.filter(pk=case_id).select_related("institution").first()
            if case is not None and institution_in_scope(request.user, case.institution):
                initial = {"case_number": case.number}
        return render(request, "complaints/create.html", {"form": _complaint_form(request, initial=initial)})
    form = _complaint_form(request, request.POST)
    if form.is_valid():
        d = dict(form.cleaned_data)
        number = d.pop("case_number").strip()
        case = Case.objects.filter(number=number).first() if number else None
        if number and case is None:
            form.add_error("case_number", "「涉及办件编号」不存在或不在您的数据范围内")
        else:
            ok, complaint = call_service(
                form, lambda: services.complaint_register(by=request.user, case=case, **d)
            )
            if ok:
                messages.success(request, f"已登记投诉 {complaint.number}")
                return redirect("complaints:detail", pk=complaint.pk)
    return render(request, "complaints/create.html", {"form": form}, status=400)


@login_required
@requires(*selectors.COMPLAINT_READERS)
def detail_view(request, pk):
    complaint = selectors.complaint_get(user=request.user, pk=pk)
    today = services.today()
    actions = {
        name: {
            "label": workflow.ACTION_LABELS[name],
            "form": f.StepForm(prefix=name, label=workflow.TEXT_LABELS[name][0]),
        }
        for name in services.complaint_allowed_actions(complaint=complaint, by=request.user)
    }
    step = workflow.next_step(complaint.status)
    return render(
        request,
        "complaints/detail.html",
        {
            "complaint": complaint,
            "late": workflow.is_late(complaint.step_due, today, complaint.status),
            "step_label": workflow.ACTION_LABELS[step] if step else "",
            "steps": selectors.complaint_steps(complaint),
            "can_handle": services.can_handle_complaint(request.user, complaint),
            "actions": actions,
        },
    )


@login_required
@requires(Cap.COMPLAINT_HANDLE)
@require_POST
def step_view(request, pk, name):
    complaint = selectors.complaint_get(user=request.user, pk=pk)
    if name not in workflow.TRANSITIONS:
        raise Http404
    form = f.StepForm(request.POST, prefix=name, label=workflow.TEXT_LABELS[name][0])
    if not form.is_valid():
        messages.error(request, form_error_text(form))
        return redirect("complaints:detail", pk=complaint.pk)
    version = request.POST.get("version", "")
    try:
        if version and not (version.isdigit() and len(version) <= 9):
            raise ServiceError("stale", "投诉版本无效，请刷新页面后再操作", field="version")
        services.complaint_advance(
            by=request.user,
            complaint=complaint,
            action=name,
            text=form.cleaned_data["text"],
            expected_version=int(version) if version else None,
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已{workflow.ACTION_LABELS[name]}")
    return redirect("complaints:detail", pk=complaint.pk)


@login_required
@requires(Cap.COMPLAINT_HANDLE)
@require_POST
def reveal_phone_view(request, pk):
    complaint = selectors.complaint_get(user=request.user, pk=pk)
    phone = services.complaint_reveal_phone(by=request.user, complaint=complaint)
    messages.info(request, f"投诉人联系电话：{phone}（本次查看已留痕）" if phone else "投诉人未留电话")
    return redirect("complaints:detail", pk=complaint.pk)


# --- consultations ---------------------------------------------------------------------------------


def resolve_item(user, name: str):
    """The 清单 item an agent typed or picked by name (exact name first, else the only match); None
    when nothing was typed; ServiceError when the text matches no item, or several."""
    name = (name or "").strip()
    if not name:
        return None
    if user.institution is None:
        raise ServiceError("invalid", "「事项」不在本机构的帮办代办清单中", field="item_name")
    picks = pick_items(institution=user.institution, on=services.today(), mode=None, q=name)
    exact = [p for p in picks if p.name == name]
    if len(exact) == 1 or len(picks) == 1:
        return (exact or picks)[0].item_id
    if not picks:
        raise ServiceError("invalid", "「事项」不在本机构的帮办代办清单中，请从候选中选择", field="item_name")
    raise ServiceError("ambiguous", "「事项」匹配到多个事项，请从候选中选择一个", field="item_name")


def _consultation_page(request, form, status=200):
    user = request.user
    return render(
        request,
        "complaints/consultations.html",
        {
            "form": form,
            "can_register": has_cap(user, Cap.CONSULTATION_HANDLE),
            "unanswered": [
                (c, selectors.consultation_is_late(c)) for c in selectors.unanswered_consultations(user=user)
            ],
            "today_rows": selectors.consultation_list(user=user, day=services.today())[:100],
        },
        status=status,
    )


@login_required
@requires(*selectors.CONSULTATION_READERS)
def consultations_view(request):
    if request.method != "POST":
        return _consultation_page(request, f.ConsultationForm())
    form = f.ConsultationForm(request.POST)
    if form.is_valid():
        d = dict(form.cleaned_data)
        item_name = d.pop("item_name")

        def register():
            return services.consultation_register(
                by=request.user, item=resolve_item(request.user, item_name), **d
            )

        ok, consultation = call_service(form, register)
        if ok:
            messages.success(request, "已登记咨询" + ("并答复" if consultation.is_answered else ""))
            return redirect("complaints:consultations")
    return _consultation_page(request, form, status=400)


@login_required
@requires(*selectors.CONSULTATION_READERS)
def consultation_detail_view(request, pk):
    c = selectors.consultation_get(user=request.user, pk=pk)
    can_handle = has_cap(request.user, Cap.CONSULTATION_HANDLE)
    return render(
        request,
        "complaints/consultation.html",
        {
            "c": c,
            "late": selectors.consultation_is_late(c),
            "can_answer": can_handle and not c.is_answered,
            "can_convert": can_handle and has_cap(request.user, Cap.CASE_HANDLE) and c.case_id is None,
            "answer_form": f.AnswerForm(),
            "convert_url": reverse("cases:create") + f"?consultation={c.pk}",
        },
    )


@login_required
@requires(Cap.CONSULTATION_HANDLE)
@require_POST
def consultation_answer_view(request, pk):
    c = selectors.consultation_get(user=request.user, pk=pk)
    form = f.AnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_error_text(form))
        return redirect("complaints:consultation", pk=c.pk)
    try:
        services.consultation_answer(by=request.user, consultation=c, **form.cleaned_data)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            "已答复" + ("，答复已短信发送" if c.channel == ConsultChannel.ONLINE and c.phone_masked else ""),
        )
    return redirect("complaints:consultation", pk=c.pk)


# --- 转为办件: used by the case registration page (cases.views.create_view) -------------------------


def case_prefill(user, pk: int) -> dict:
    """The registration form's data from consultation `pk` (in scope, else 404): the asker's name and
    phone (revealed through the audited service), the question as the request, the channel and item."""
    c = selectors.consultation_get(user=user, pk=pk)
    data = {"summary": c.question[:300], "channel": c.channel}
    if c.asker_name:
        data["applicant_name"] = c.asker_name
    if c.phone_encrypted:
        data["phone"] = services.consultation_reveal_phone(by=user, consultation=c)
    if c.item_id:
        data["items"] = str(c.item_id)
    return data


def link_case(request, pk: int, case) -> None:
    """After the case is registered: link it to the consultation it came from (a message either way)."""
    try:
        c = selectors.consultation_get(user=request.user, pk=pk)
        services.consultation_link_case(by=request.user, consultation=c, case=case)
    except ServiceError as exc:
        messages.warning(request, f"办件已登记，但未能关联咨询：{exc.message}")
    except AccessRefused:  # out of scope: the case stands, the link is not made
        messages.warning(request, "办件已登记，但该咨询不在您的数据范围内，未关联")
    else:
        messages.info(request, "已关联来源咨询")
