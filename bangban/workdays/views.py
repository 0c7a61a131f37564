"""The calendar pages: a year of month grids for every staff member, editing for its administrators."""

import calendar as pycalendar
import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from bangban.accounts.permissions import require_cap
from bangban.accounts.roles import Cap
from bangban.core.errors import ServiceError
from bangban.core.forms import call_service
from bangban.core.navigation import requires
from bangban.workdays import selectors, services
from bangban.workdays.calendar import WorkCalendar
from bangban.workdays.forms import CalculatorForm, DayForm
from bangban.workdays.models import CalendarYear
from bangban.workdays.package import knows_year, package_version

WEEKDAYS = "一二三四五六日"
CELL_CLASS = {
    "workday": "cal-work",
    "weekend": "cal-off",
    "holiday": "cal-holiday",
    "adjusted_workday": "cal-adjusted",
    "fallback_holiday": "cal-fallback",
}
CELL_TITLE = {
    "workday": "工作日",
    "weekend": "休息日",
    "holiday": "节假日",
    "adjusted_workday": "调休上班",
    "fallback_holiday": "按规则推算的节假日",
}


def weekday_label(day: dt.date) -> str:
    return f"星期{WEEKDAYS[day.weekday()]}"


def _months(calendar: WorkCalendar, year: int, today: dt.date) -> list[dict]:
    grid = pycalendar.Calendar(firstweekday=0)
    months = []
    for month in range(1, 13):
        weeks, workdays = [], 0
        for week in grid.monthdatescalendar(year, month):
            cells = []
            for day in week:
                if day.month != month:
                    cells.append(None)
                    continue
                info = calendar.info(day)
                workdays += info.is_workday
                title = f"{day:%Y-%m-%d} {weekday_label(day)} {CELL_TITLE[info.kind]}"
                cells.append(
                    {
                        "date": day,
                        "cls": CELL_CLASS[info.kind] + (" cal-today" if day == today else ""),
                        "title": f"{title}：{info.name}" if info.name else title,
                        "mark": info.name[:2] if info.kind != "workday" and info.name else "",
                    }
                )
            weeks.append(cells)
        months.append({"number": month, "weeks": weeks, "workdays": workdays})
    return months


def _calculator(request, calendar: WorkCalendar) -> tuple[CalculatorForm, dict | None]:
    if "start" not in request.GET:
        return CalculatorForm(), None
    form = CalculatorForm(request.GET)
    if not form.is_valid():
        return form, None
    start, days = form.cleaned_data["start"], form.cleaned_data["days"]
    due = calendar.add_workdays(start, days)
    return form, {
        "start": start,
        "days": days,
        "due": due,
        "due_weekday": weekday_label(due),
        "warnings": selectors.range_warnings(start, due, calendar=calendar),
    }


def _render_year(request, year: int, *, day_form: DayForm | None = None, status: int = 200):
    calendar = selectors.get_calendar()
    today = timezone.localdate()
    can_manage = services.can_manage_calendar(request.user)
    if day_form is None and can_manage:
        initial = {"kind": "holiday"}
        if (day := request.GET.get("day")) and day[:4] == str(year):
            initial["day"] = day
            current = calendar.info(dt.date.fromisoformat(day)) if _is_iso(day) else None
            if current and current.kind in ("holiday", "adjusted_workday"):
                initial.update(kind="holiday" if current.kind == "holiday" else "workday", name=current.name)
        day_form = DayForm(initial=initial)
    calculator, result = _calculator(request, calendar)
    status_row = selectors.year_status(year)
    special = calendar.special_days(year)
    rows = {row.date: row for row in selectors.year_days(year)}
    months = _months(calendar, year, today)
    return render(
        request,
        "workdays/year.html",
        {
            "year": year,
            "min_year": services.MIN_YEAR,
            "max_year": services.MAX_YEAR,
            "months": months,
            "weekdays": WEEKDAYS,
            "warnings": selectors.year_warnings([year], calendar=calendar),
            "status": status_row.get_status_display() if status_row else CalendarYear.Status.FALLBACK.label,
            "complete": calendar.is_known_year(year),
            "workday_count": sum(m["workdays"] for m in months),
            "special": [
                {
                    "info": info,
                    "row": rows.get(day),
                    "weekday": weekday_label(day),
                    "label": CELL_TITLE[info.kind],
                }
                for day, info in special.items()
            ],
            "can_manage": can_manage,
            "package_knows": knows_year(year),
            "package_version": package_version(),
            "day_form": day_form,
            "calculator": calculator,
            "result": result,
        },
        status=status,
    )


def _is_iso(value: str) -> bool:
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _check_year(year: int) -> None:
    if not services.MIN_YEAR <= year <= services.MAX_YEAR:
        raise Http404


@login_required
@requires(Cap.ORG_VIEW)
def calendar_home_view(request):
    return redirect("workdays:year", year=timezone.localdate().year)


@login_required
def year_view(request, year: int):
    require_cap(request.user, Cap.ORG_VIEW)
    _check_year(year)
    return _render_year(request, year)


@login_required
@require_POST
def day_set_view(request):
    form = DayForm(request.POST)
    year = timezone.localdate().year
    if form.is_valid():
        d = form.cleaned_data
        year = d["day"].year
        ok, row = call_service(
            form,
            lambda: services.calendar_day_set(by=request.user, day=d["day"], kind=d["kind"], name=d["name"]),
        )
        if ok:
            messages.success(request, f"已将 {row.date:%Y-%m-%d} 设为{row.get_kind_display()}")
            return redirect("workdays:year", year=year)
    return _render_year(request, year, day_form=form, status=400)


@login_required
@require_POST
def day_clear_view(request, day: dt.date):
    try:
        services.calendar_day_clear(by=request.user, day=day)
        messages.success(request, f"已清除 {day:%Y-%m-%d} 的特别安排")
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("workdays:year", year=day.year)


@login_required
@require_POST
def year_seed_view(request, year: int):
    _check_year(year)
    try:
        [result] = services.calendar_seed_from_package(by=request.user, years=[year])
        if result.changed:
            messages.success(
                request,
                f"已导入 {year} 年官方安排：新增 {result.created} 天、更新 {result.updated} 天、"
                f"删除 {result.deleted} 天，保留管理员录入 {result.kept_admin} 天",
            )
        else:
            messages.success(request, f"{year} 年的安排与 chinesecalendar 数据一致，无需更新")
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("workdays:year", year=year)


@login_required
@require_POST
def year_confirm_view(request, year: int):
    _check_year(year)
    try:
        services.calendar_year_confirm(by=request.user, year=year)
        messages.success(request, f"已确认 {year} 年节假日安排录入完整")
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("workdays:year", year=year)
