"""The supervisor's pages: the indicator dashboard, the cases behind a number, the monthly 通报,
the targets. Thin: the figures come from selectors, the files from report.py."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from bangban.accounts.permissions import has_cap
from bangban.accounts.roles import Cap
from bangban.core.downloads import PDF, XLSX
from bangban.core.errors import ServiceError
from bangban.core.forms import call_service
from bangban.core.navigation import requires
from bangban.supervision import report as reports
from bangban.supervision import selectors, services
from bangban.supervision.forms import IndicatorQueryForm, TargetForm
from bangban.supervision.indicators import INDICATOR_LIST, period, rate
from bangban.supervision.selectors import BY_CHOICES, DRILL_PARTS, VIEW_CAPS


def _query(request) -> tuple[IndicatorQueryForm, dict]:
    """The page's query, read from GET; an invalid one shows its errors and falls back to this month."""
    form = IndicatorQueryForm(request.GET or None, user=request.user)
    if form.is_bound and form.is_valid():
        start, end = form.cleaned_data["period"]
        return form, {
            "root": form.cleaned_data["root"],
            "start": start,
            "end": end,
            "by": form.cleaned_data["by"],
        }
    start, end = period("month", timezone.localdate())
    return form, {"root": None, "start": start, "end": end, "by": ""}


def _params(q: dict, **extra) -> str:
    params = QueryDict(mutable=True)
    if q["root"] is not None:
        params["root"] = q["root"].pk
    params["preset"], params["start"], params["end"] = "range", q["start"].isoformat(), q["end"].isoformat()
    for k, v in extra.items():
        if v not in (None, ""):
            params[k] = v
    return params.urlencode()


@lru_cache(maxsize=32)
def _url(name: str) -> str:
    return reverse(name)


def _drill_links(query: str, cell, by="", key=None) -> dict:
    """The drill-down URLs of a cell (every counted indicator: its records, drill_view). `query` is the
    page's (_params); the added values are codes and integers: nothing to escape."""
    if selectors.drill_kind(cell.indicator) is None:
        return {}
    base = _url("supervision:drill")
    group = f"&by={by}&key={key}" if by and key is not None else ""
    return {
        part: f"{base}?{query}&indicator={cell.indicator.code}&part={part}{group}" for part in DRILL_PARTS
    }


def _chart_value(cell):
    value = cell.rate
    return None if value is None else float(round(value, 1))


@login_required
@requires(*VIEW_CAPS)
def dashboard_view(request):
    form, q = _query(request)
    user = request.user
    by = q["by"] or ("institution" if selectors.sees_subtree(user) else "")
    figures = selectors.indicator_set(
        user=user, root_institution=q["root"], start=q["start"], end=q["end"], by=by or None
    )
    q["root"] = figures.root
    base = _params(q)
    cards = [(cell, _drill_links(base, cell)) for cell in figures.total.cells.values()]
    rows = [
        (row, [(cell, _drill_links(base, cell, by, row.key).get("missed")) for cell in row.cells.values()])
        for row in figures.rows
    ]
    # Charts: the trend of the last 12 months up to the period's end, the ranking of institutions
    # and the distribution by tier, for the case indicators that have figures.
    year, month = (
        (q["end"].year, q["end"].month - 11)
        if q["end"].month == 12
        else (q["end"].year - 1, q["end"].month + 1)
    )
    trend_start = dt.date(year, month, 1)
    trend = selectors.trend_of([i.pk for i in figures.members], figures.targets, trend_start, q["end"])
    charted = [i for i in INDICATOR_LIST if not i.live]
    tier_rows = selectors.tier_rows(figures) if by == "institution" else []
    chart = {
        "indicators": [i.name for i in charted],
        "trend": {
            "months": [m for m, _ in trend],
            "series": {i.name: [_chart_value(cells[i.code]) for _, cells in trend] for i in charted},
        },
        "ranking": [
            {"name": row.label, "value": _chart_value(row.cells["on_time"])}
            for row in reports.ranked(figures.rows)
            if by == "institution" and row.cells["on_time"].den
        ][:20],
        "tiers": {
            "names": [row.label for row in tier_rows],
            "series": {i.name: [_chart_value(r.cells[i.code]) for r in tier_rows] for i in charted},
        },
    }
    return render(
        request,
        "supervision/dashboard.html",
        {
            "form": form,
            "figures": figures,
            "cards": cards,
            "rows": rows,
            "by_label": BY_CHOICES.get(by, ""),
            "indicators": INDICATOR_LIST,
            "chart": chart,
            "report_query": _params(q),
            "can_set_targets": has_cap(user, Cap.SUPERVISION_ISSUE),
        },
    )


@login_required
@requires(*VIEW_CAPS)
def drill_view(request):
    form, q = _query(request)
    indicator, part = request.GET.get("indicator", ""), request.GET.get("part", "den")
    by = request.GET.get("by") or None
    key = request.GET.get("key")
    error, drill = "", None
    try:
        key = int(key) if key not in (None, "") else None
    except ValueError:
        key, error = None, "分组值无效"
    if not error:
        try:
            drill = selectors.drill_records(
                user=request.user, root_institution=q["root"], indicator=indicator, part=part,
                start=q["start"], end=q["end"], by=by, key=key,
            )  # fmt: skip
        except ServiceError as exc:
            error = exc.message
    return render(
        request,
        "supervision/drill.html",
        {"form": form, "q": q, "drill": drill, "error": error, "part_label": DRILL_PARTS.get(part, ""),
         "limit": selectors.DRILL_LIMIT, "back": f"{reverse('supervision:dashboard')}?{_params(q)}"},
    )  # fmt: skip


def _report(request):
    form, q = _query(request)
    return reports.monthly_report(user=request.user, root_institution=q["root"], month=q["end"])


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    from urllib.parse import quote

    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


@login_required
@requires(*VIEW_CAPS)
def report_xlsx_view(request):
    report = _report(request)
    return _download(reports.report_xlsx(report), XLSX, f"{report.title}.xlsx")


@login_required
@requires(*VIEW_CAPS)
def report_pdf_view(request):
    report = _report(request)
    return _download(reports.report_pdf(report), PDF, f"{report.title}.pdf")


@login_required
@requires(*VIEW_CAPS)
def targets_view(request):
    user = request.user
    can_set = has_cap(user, Cap.SUPERVISION_ISSUE)
    form = TargetForm(request.POST or None, user=user) if can_set else None
    if request.method == "POST" and can_set and form.is_valid():
        ok, _ = call_service(
            form,
            lambda: services.target_set(
                by=user,
                indicator=form.cleaned_data["indicator"],
                value=form.cleaned_data["value"],
                institution=form.cleaned_data["institution"],
            ),
        )
        if ok:
            messages.success(request, "指标目标已保存")
            return redirect("supervision:targets")
    root = user.institution
    targets = selectors.targets_for(root) if root else {}
    rows = [(i, targets.get(i.code, i.default_target)) for i in INDICATOR_LIST]
    return render(
        request, "supervision/targets.html", {"form": form, "rows": rows, "root": root, "rate": rate}
    )
