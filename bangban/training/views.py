from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from bangban.accounts.permissions import has_cap
from bangban.accounts.roles import Cap
from bangban.core.downloads import XLSX
from bangban.core.forms import call_service, querystring_without_page
from bangban.core.navigation import requires
from bangban.training import selectors, services
from bangban.training.export import ledger_workbook
from bangban.training.forms import AttendanceForm, CourseForm, PeriodForm, SessionForm

MANAGERS = selectors.MANAGER_CAPS


@login_required
@requires(*MANAGERS)
def course_list_view(request):
    page = Paginator(selectors.course_list(user=request.user), 20).get_page(request.GET.get("page"))
    today = timezone.localdate()
    period = PeriodForm(initial={"start": today.replace(month=1, day=1), "end": today})
    return render(
        request,
        "training/course_list.html",
        {
            "page_obj": page,
            "query": querystring_without_page(request),
            "period_form": period,
            "can_manage": has_cap(request.user, Cap.TRAINING_MANAGE),
        },
    )


@login_required
@requires(Cap.TRAINING_MANAGE)
def course_create_view(request):
    form = CourseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        ok, course = call_service(
            form,
            lambda: services.course_create(
                by=request.user,
                institution=request.user.institution,
                title=d["title"],
                summary=d["summary"],
                hours=d["hours"],
            ),
        )
        if ok:
            messages.success(request, f"已新建课程「{course.title}」")
            return redirect("training:course", pk=course.pk)
    return render(
        request,
        "training/form.html",
        {"form": form, "title": "新建培训课程", "back": "training:courses"},
        status=400 if form.is_bound and form.errors else 200,
    )


@login_required
@requires(*MANAGERS)
def course_detail_view(request, pk):
    course = selectors.course_get(user=request.user, pk=pk)
    return _course_page(request, course)


def _course_page(request, course, form=None, status=200):
    can_manage = has_cap(request.user, Cap.TRAINING_MANAGE)
    staff = selectors.staff_in_scope(user=request.user)
    return render(
        request,
        "training/course_detail.html",
        {
            "course": course,
            "sessions": selectors.session_list(user=request.user, course=course),
            "form": (form or SessionForm(staff=staff)) if can_manage else None,
        },
        status=status,
    )


@login_required
@requires(Cap.TRAINING_MANAGE)
@require_POST
def session_create_view(request, pk):
    course = selectors.course_get(user=request.user, pk=pk)
    form = SessionForm(request.POST, staff=selectors.staff_in_scope(user=request.user))
    if form.is_valid():
        d = form.cleaned_data
        ok, session = call_service(
            form,
            lambda: services.session_create(
                by=request.user,
                course=course,
                held_on=d["held_on"],
                place=d["place"],
                trainer=d["trainer"],
                attendees=[services.AttendeeInput(u) for u in d["attendees"]],
            ),
        )
        if ok:
            messages.success(request, "已登记培训场次")
            return redirect("training:session", pk=session.pk)
    return _course_page(request, course, form, status=400)


@login_required
@requires(*MANAGERS)
def session_detail_view(request, pk):
    session = selectors.session_get(user=request.user, pk=pk)
    return _session_page(request, session)


def _session_page(request, session, form=None, status=200):
    can_manage = has_cap(request.user, Cap.TRAINING_MANAGE)
    return render(
        request,
        "training/session_detail.html",
        {
            "session": session,
            "attendances": selectors.session_attendances(session),
            "form": (form or AttendanceForm(staff=selectors.staff_in_scope(user=request.user)))
            if can_manage
            else None,
        },
        status=status,
    )


@login_required
@requires(Cap.TRAINING_MANAGE)
@require_POST
def attendance_view(request, pk):
    session = selectors.session_get(user=request.user, pk=pk)
    form = AttendanceForm(request.POST, staff=selectors.staff_in_scope(user=request.user))
    if form.is_valid():
        d = form.cleaned_data
        ok, _ = call_service(
            form,
            lambda: services.attendance_record(
                by=request.user,
                session=session,
                user=d["user"],
                attended=d["attended"],
                hours=d["hours"],
                score=d["score"],
            ),
        )
        if ok:
            messages.success(request, f"已保存 {d['user'].display_name} 的参训记录")
            return redirect("training:session", pk=session.pk)
    return _session_page(request, session, form, status=400)


def _year(request) -> int:
    raw = request.GET.get("year", "")
    if raw.isdigit() and 2000 <= int(raw) <= 2100:
        return int(raw)
    return timezone.localdate().year


@login_required
@requires(*MANAGERS)
def staff_view(request):
    year = _year(request)
    page = Paginator(selectors.staff_overview(user=request.user, year=year), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "training/staff.html",
        {"page_obj": page, "year": year, "query": querystring_without_page(request)},
    )


@login_required
@requires(Cap.CASE_HANDLE, *MANAGERS)
def my_record_view(request):
    return redirect("training:record", pk=request.user.pk)


@login_required
def record_view(request, pk):
    owner = selectors.record_owner(user=request.user, pk=pk)
    year = _year(request)
    return render(request, "training/record.html", selectors.staff_record(owner=owner, year=year))


@login_required
@requires(*MANAGERS)
def ledger_view(request):
    form = PeriodForm(request.GET)
    if not form.is_valid():
        page = Paginator(selectors.course_list(user=request.user), 20).get_page(1)
        return render(
            request,
            "training/course_list.html",
            {"page_obj": page, "period_form": form, "can_manage": has_cap(request.user, Cap.TRAINING_MANAGE)},
            status=400,
        )
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    rows = selectors.ledger_rows(user=request.user, start=start, end=end)
    response = HttpResponse(ledger_workbook(rows, start=start, end=end), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="training-{start}-{end}.xlsx"'
    return response
