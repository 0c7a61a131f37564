"""The monthly assessment pages: the supervisor's list, an agent's profile, the score form, the export."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from bangban.accounts.permissions import has_cap
from bangban.accounts.roles import Cap
from bangban.assessments import rules, selectors, services
from bangban.assessments.export import month_workbook
from bangban.assessments.forms import AssessmentScoreForm
from bangban.assessments.models import Assessment
from bangban.core.downloads import XLSX
from bangban.core.errors import ServiceError
from bangban.core.forms import call_service
from bangban.core.navigation import requires
from bangban.supervision.indicators import rate_display


def _month(request):
    """(month, error): the month asked for in ?month=YYYY-MM, this month when absent or unreadable."""
    today = timezone.localdate()
    try:
        return rules.parse_month(request.GET.get("month") or request.POST.get("month"), today), ""
    except ValueError as exc:
        return today.replace(day=1), str(exc)


def _context(month, error: str) -> dict:
    return {
        "month": month,
        "month_value": f"{month:%Y-%m}",
        "month_error": error,
        "components": rules.COMPONENTS,
    }


@login_required
@requires(*selectors.MANAGER_CAPS)
def list_view(request):
    month, error = _month(request)
    months = selectors.month_list(user=request.user, month=month)
    return render(
        request,
        "assessments/list.html",
        {**_context(month, error), "months": months, "weights": rules.weights()},
        status=400 if error else 200,
    )


@login_required
@requires(Cap.CASE_HANDLE)
def mine_view(request):
    return redirect(f"{reverse('assessments:profile', args=[request.user.pk])}?{request.GET.urlencode()}")


def _profile(request, pk, form=None, status=200):
    month, error = _month(request)
    m = selectors.agent_month(user=request.user, pk=pk, month=month)
    user = request.user
    can_score = (
        has_cap(user, Cap.SUPERVISION_ISSUE)
        and user.pk != m.agent.pk
        and not m.confirmed
        and month <= timezone.localdate()
    )
    if form is None and can_score:
        a = m.assessment
        form = AssessmentScoreForm(initial={"score": a.supervisor_score, "comment": a.comment} if a else None)
    _, last = rules.month_bounds(month)
    return render(
        request,
        "assessments/profile.html",
        {
            **_context(month, error),
            "m": m,
            "rows": m.part_rows(),
            "cells": [(c, rate_display(c.rate)) for c in m.cells.values()],
            "levels": [(lvl, label, m.review_counts.get(lvl, 0)) for lvl, label in LEVELS],
            "form": form if can_score else None,
            "can_confirm": can_score and m.assessment is not None and timezone.localdate() > last,
            "history": selectors.months_of(agent=m.agent),
            "is_manager": selectors.is_manager(user),
        },
        status=status,
    )


LEVELS = [(5, "非常满意"), (4, "满意"), (3, "基本满意"), (2, "不满意"), (1, "非常不满意")]


@login_required
def profile_view(request, pk):
    return _profile(request, pk)


@login_required
@requires(Cap.SUPERVISION_ISSUE)
@require_POST
def score_view(request, pk):
    month, error = _month(request)
    agent = selectors.agent_for(user=request.user, pk=pk)
    form = AssessmentScoreForm(request.POST)
    if error:
        form.add_error(None, error)
    elif form.is_valid():
        ok, _ = call_service(
            form,
            lambda: services.assessment_score(
                by=request.user,
                agent=agent,
                month=month,
                score=form.cleaned_data["score"],
                comment=form.cleaned_data["comment"],
            ),
        )
        if ok:
            messages.success(request, f"已保存{agent.display_name}{month:%Y年%m月}的评分")
            return redirect(f"{reverse('assessments:profile', args=[agent.pk])}?month={month:%Y-%m}")
    return _profile(request, pk, form=form, status=400)


@login_required
@requires(Cap.SUPERVISION_ISSUE)
@require_POST
def confirm_view(request, pk):
    month, error = _month(request)
    agent = selectors.agent_for(user=request.user, pk=pk)
    target = f"{reverse('assessments:profile', args=[agent.pk])}?month={month:%Y-%m}"
    a = Assessment.objects.filter(agent=agent, month=month).first()
    if error or a is None:
        messages.error(request, error or "请先录入主管评分，再确认考核")
        return redirect(target)
    try:
        services.assessment_confirm(by=request.user, assessment=a)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已确认{agent.display_name}{month:%Y年%m月}的考核")
    return redirect(target)


@login_required
@requires(*selectors.MANAGER_CAPS)
def export_view(request):
    month, error = _month(request)
    if error:
        return list_view(request)
    months = selectors.month_list(user=request.user, month=month)
    response = HttpResponse(month_workbook(months, month=month), content_type=XLSX)
    name = f"帮办代办员月度考核-{month:%Y-%m}.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response
