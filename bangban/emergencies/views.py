from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from bangban.accounts.permissions import has_cap
from bangban.accounts.roles import Cap
from bangban.core.forms import call_service, form_error_text
from bangban.core.navigation import requires
from bangban.emergencies import selectors, services
from bangban.emergencies.forms import CloseForm, DrillForm, IncidentForm, PlanForm, StepForm
from bangban.emergencies.models import EventType
from bangban.org.selectors import institution_in_scope

READERS = selectors.READER_CAPS


def _manages(user, institution) -> bool:
    return has_cap(user, Cap.TRAINING_MANAGE) and institution_in_scope(user, institution)


@login_required
@requires(*READERS)
def index_view(request):
    user = request.user
    return render(
        request,
        "emergencies/index.html",
        {
            "plans": selectors.plan_list(user=user)[:200],
            "drills": selectors.drill_list(user=user)[:50],
            "incidents": selectors.incident_list(user=user)[:50],
            "can_manage": has_cap(user, Cap.TRAINING_MANAGE),
        },
    )


@login_required
@requires(Cap.TRAINING_MANAGE)
def plan_create_view(request):
    initial = {"type": request.GET.get("type")} if request.GET.get("type") in EventType.values else {}
    form = PlanForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        ok, plan = call_service(
            form,
            lambda: services.plan_publish(
                by=request.user,
                institution=request.user.institution,
                type=d["type"],
                title=d["title"],
                content=d["content"],
                pdf=d["pdf"],
            ),
        )
        if ok:
            messages.success(request, f"已发布{plan.get_type_display()}预案第 {plan.version} 版")
            return redirect("emergencies:plan", pk=plan.pk)
    return render(
        request,
        "emergencies/form.html",
        {"form": form, "title": "发布应急预案", "multipart": True},
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
@requires(*READERS)
def plan_detail_view(request, pk):
    plan = selectors.plan_get(user=request.user, pk=pk)
    return _plan_page(request, plan)


def _plan_page(request, plan, form=None, status=200):
    manages = _manages(request.user, plan.institution)
    return render(
        request,
        "emergencies/plan_detail.html",
        {
            "plan": plan,
            "versions": selectors.plan_versions(plan),
            "drills": selectors.drill_list(user=request.user, plan=plan),
            "form": (form or DrillForm()) if manages else None,
            "may_revise": manages and plan.is_current and plan.institution_id == request.user.institution_id,
        },
        status=status,
    )


@login_required
@requires(*READERS)
def plan_pdf_view(request, pk):
    plan = selectors.plan_get(user=request.user, pk=pk)
    if not plan.pdf:
        raise Http404("该预案没有上传文件")
    return FileResponse(
        plan.pdf.open("rb"), content_type="application/pdf", filename=f"plan-{plan.pk}-v{plan.version}.pdf"
    )


@login_required
@requires(Cap.TRAINING_MANAGE)
@require_POST
def drill_create_view(request, pk):
    plan = selectors.plan_get(user=request.user, pk=pk)
    form = DrillForm(request.POST)
    if form.is_valid():
        ok, _ = call_service(
            form, lambda: services.drill_record(by=request.user, plan=plan, **form.cleaned_data)
        )
        if ok:
            messages.success(request, "已登记演练")
            return redirect("emergencies:plan", pk=plan.pk)
    return _plan_page(request, plan, form, status=400)


@login_required
@requires(Cap.TRAINING_MANAGE)
def incident_create_view(request):
    form = IncidentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ok, incident = call_service(
            form,
            lambda: services.incident_log(
                by=request.user, institution=request.user.institution, **form.cleaned_data
            ),
        )
        if ok:
            messages.success(request, "已登记突发事件")
            return redirect("emergencies:incident", pk=incident.pk)
    return render(
        request,
        "emergencies/form.html",
        {"form": form, "title": "登记突发事件"},
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
@requires(*READERS)
def incident_detail_view(request, pk):
    incident = selectors.incident_get(user=request.user, pk=pk)
    return _incident_page(request, incident)


def _incident_page(request, incident, step_form=None, close_form=None, status=200):
    manages = _manages(request.user, incident.institution)
    if close_form is not None and close_form.errors and incident.ended_at:
        messages.error(request, form_error_text(close_form))  # the form is no longer shown
    return render(
        request,
        "emergencies/incident_detail.html",
        {
            "incident": incident,
            "steps": incident.steps.all(),
            "step_form": (step_form or StepForm(prefix="step")) if manages else None,
            "close_form": (close_form or CloseForm(prefix="close"))
            if manages and not incident.ended_at
            else None,
        },
        status=status,
    )


@login_required
@requires(Cap.TRAINING_MANAGE)
@require_POST
def incident_step_view(request, pk):
    incident = selectors.incident_get(user=request.user, pk=pk)
    form = StepForm(request.POST, prefix="step")
    if form.is_valid():
        ok, _ = call_service(
            form, lambda: services.incident_step_add(by=request.user, incident=incident, **form.cleaned_data)
        )
        if ok:
            messages.success(request, "已记录处置措施")
            return redirect("emergencies:incident", pk=incident.pk)
    return _incident_page(request, incident, step_form=form, status=400)


@login_required
@requires(Cap.TRAINING_MANAGE)
@require_POST
def incident_close_view(request, pk):
    incident = selectors.incident_get(user=request.user, pk=pk)
    form = CloseForm(request.POST, prefix="close")
    if form.is_valid():
        ok, _ = call_service(
            form, lambda: services.incident_close(by=request.user, incident=incident, **form.cleaned_data)
        )
        if ok:
            messages.success(request, "已登记事件结束")
            return redirect("emergencies:incident", pk=incident.pk)
    return _incident_page(request, incident, close_form=form, status=400)
