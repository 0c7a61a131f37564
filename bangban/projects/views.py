"""Key project pages (thin: forms → services, reads → selectors)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from bangban.accounts.models import User
from bangban.accounts.roles import Cap, Role
from bangban.core.errors import ServiceError
from bangban.core.forms import call_service, form_error_text, querystring_without_page
from bangban.core.navigation import requires
from bangban.core.routing import parse_id
from bangban.org.models import Department
from bangban.org.selectors import scope_q
from bangban.projects import documents, rules, selectors, services
from bangban.projects import forms as f
from bangban.projects.models import Level, Meeting

PAGE_SIZE = 30
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@requires(*selectors.PROJECT_READERS)
def list_view(request):
    q = request.GET
    level = q.get("level", "") if q.get("level") in Level.values else ""
    projects = selectors.project_list(user=request.user, search=q.get("q", "").strip()[:100], level=level)
    page = Paginator(projects, PAGE_SIZE).get_page(parse_id(q.get("page", "")) or 1)
    return render(
        request,
        "projects/list.html",
        {
            "page": page,
            "query": querystring_without_page(request),
            "levels": Level.choices,
            "can_register": request.user.has_cap(Cap.PROJECT_MANAGE),
        },
    )


def _project_form(request, data=None):
    staff = User.objects.filter(scope_q(request.user), is_active=True).order_by("full_name")
    agents = [
        u for u in staff.filter(role_assignments__role__in=[Role.AGENT, Role.COORDINATOR]).distinct()[:500]
    ]
    coordinators = [
        u
        for u in staff.filter(role_assignments__role__in=[Role.COORDINATOR, Role.CENTER_ADMIN]).distinct()[
            :500
        ]
    ]
    initial = {"division": getattr(getattr(request.user.institution, "division", None), "code", "")}
    return f.ProjectForm(data, initial=initial, agents=agents, coordinators=coordinators)


@login_required
@requires(Cap.PROJECT_MANAGE)
def create_view(request):
    if request.method != "POST":
        return render(request, "projects/create.html", {"form": _project_form(request)})
    form = _project_form(request, request.POST)
    if form.is_valid():
        ok, project = call_service(
            form, lambda: services.project_register(by=request.user, **form.cleaned_data)
        )
        if ok:
            messages.success(request, f"已登记重点项目 {project.number}，已按模板生成阶段和事项")
            return redirect("projects:detail", pk=project.pk)
    return render(request, "projects/create.html", {"form": form}, status=400)


def _departments(user):
    return Department.objects.filter(scope_q(user), is_active=True).order_by("name")


@login_required
@requires(*selectors.PROJECT_READERS)
def detail_view(request, pk):
    project = selectors.project_get(user=request.user, pk=pk)
    rows = selectors.item_rows(project)
    can_manage = services.can_manage(request.user, project)
    depts = list(_departments(request.user)) if can_manage else []
    owners = (
        list(User.objects.filter(scope_q(request.user), is_active=True).order_by("full_name")[:500])
        if can_manage
        else []
    )
    stages = []
    for stage in project.stages.all():
        stages.append((stage, [r for r in rows if r.item.stage_id == stage.pk]))
    return render(
        request,
        "projects/detail.html",
        {
            "project": project,
            "stages": stages,
            "light": selectors.project_light(rows),
            "light_labels": rules.LIGHT_LABELS,
            "requests": selectors.open_requests(project),
            "blockers": selectors.open_blockers(project),
            "request_ladder": rules.REQUEST_LADDER,
            "blocker_ladder": rules.BLOCKER_LADDER,
            "actions": project.actions.select_related("owner", "meeting").order_by("closed_on", "due"),
            "meetings": project.meetings.all(),
            "events": project.events.all()[:50],
            "can_manage": can_manage,
            "request_form": f.RequestForm(prefix="req", departments=depts, items=[r.item for r in rows])
            if can_manage
            else None,
            "meeting_form": f.MeetingForm(
                prefix="mtg", departments=depts, owners=owners, initial={"held_on": services.today()}
            )
            if can_manage
            else None,
            "today": services.today(),
            "departments": depts,
        },
    )


@login_required
@requires(*selectors.PROJECT_READERS)
def gantt_view(request, pk):
    project = selectors.project_get_for_gantt(user=request.user, pk=pk)
    return JsonResponse(selectors.gantt_data(project))


def _version(request):
    version = request.POST.get("version", "")
    if version and not (version.isdigit() and len(version) <= 9):
        raise ServiceError("stale", "事项版本无效，请刷新页面后再操作", field="version")
    return int(version) if version else None


def _back(request, project_id: int):
    """Where a form post returns: the department queue when it came from there, else the project."""
    if request.POST.get("next", "") == "queue":
        return redirect("projects:queue")
    return redirect("projects:detail", pk=project_id)


def _post(request, run, success: str, back, *, form=None, label: str = ""):
    """The one shape of a form post here: run the service, say what happened, go back.

    With a bound `form`, the service runs only when the form is valid, and a refusal (invalid input
    or the service's ServiceError) is told with the field's name (`label` in place of the generic
    「内容」 of the one-text forms); without one, `run` reads the POST itself."""
    if form is None:
        try:
            run()
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, success)
        return back
    if form.is_valid() and call_service(form, run)[0]:
        messages.success(request, success)
    else:
        text = form_error_text(form)
        messages.error(request, text.replace("内容", label) if label else text)
    return back


ITEM_STEPS = {
    "start": lambda request, item, version: services.item_start(
        by=request.user, item=item, expected_version=version
    ),
    "complete": lambda request, item, version: services.item_complete(
        by=request.user, item=item, result=request.POST.get("text", "")[:2000], expected_version=version
    ),
    "suspend": lambda request, item, version: services.item_suspend(
        by=request.user, item=item, reason=request.POST.get("text", "")[:300], expected_version=version
    ),
    "resume": lambda request, item, version: services.item_resume(
        by=request.user, item=item, expected_version=version
    ),
}


@login_required
@requires(Cap.PROJECT_MANAGE, Cap.PROJECT_LIAISON)
@require_POST
def item_action_view(request, pk, action):
    item = selectors.item_get(user=request.user, pk=pk)
    if action not in ITEM_STEPS:
        raise Http404
    return _post(
        request,
        lambda: ITEM_STEPS[action](request, item, _version(request)),
        f"已{rules.ACTION_LABELS[action]}事项「{item.name}」",
        _back(request, item.project_id),
    )


@login_required
@requires(Cap.PROJECT_MANAGE)
@require_POST
def item_assign_view(request, pk):
    item = selectors.item_get(user=request.user, pk=pk)

    def run():
        department = parse_id(request.POST.get("department", ""))
        if request.POST.get("department") and department is None:
            raise ServiceError("invalid", "「责任部门」应为编号", field="department")
        limit = request.POST.get("limit_workdays", "").strip()[:6] or None
        services.item_assign(by=request.user, item=item, department=department, limit_workdays=limit)

    return _post(request, run, f"已调整事项「{item.name}」", _back(request, item.project_id))


@login_required
@requires(Cap.PROJECT_MANAGE)
@require_POST
def item_link_case_view(request, pk):
    item = selectors.item_get(user=request.user, pk=pk)
    return _post(
        request,
        lambda: services.item_link_case(
            by=request.user, item=item, case_number=request.POST.get("case_number", "")[:40]
        ),
        f"事项「{item.name}」已关联办件",
        _back(request, item.project_id),
    )


@login_required
@requires(Cap.PROJECT_MANAGE)
@require_POST
def request_send_view(request, pk):
    project = selectors.project_get(user=request.user, pk=pk)
    form = f.RequestForm(
        request.POST, prefix="req", departments=_departments(request.user), items=project.items.all()
    )
    return _post(
        request,
        lambda: services.request_send(by=request.user, project=project, **form.cleaned_data),
        "已发出协办请求",
        redirect("projects:detail", pk=project.pk),
        form=form,
    )


@login_required
@requires(Cap.PROJECT_MANAGE, Cap.PROJECT_LIAISON)
@require_POST
def request_answer_view(request, pk):
    req = selectors.request_get(user=request.user, pk=pk)
    form = f.TextForm(request.POST)
    return _post(
        request,
        lambda: services.request_answer(by=request.user, request=req, answer=form.cleaned_data["text"]),
        "已答复协办请求",
        _back(request, req.project_id),
        form=form,
        label="答复",
    )


@login_required
@requires(Cap.PROJECT_MANAGE)
@require_POST
def meeting_create_view(request, pk):
    project = selectors.project_get(user=request.user, pk=pk)
    owners = User.objects.filter(scope_q(request.user), is_active=True)
    form = f.MeetingForm(request.POST, prefix="mtg", departments=_departments(request.user), owners=owners)

    def run():
        d = dict(form.cleaned_data)
        decision, owner, limit = d.pop("decision"), d.pop("owner"), d.pop("limit_workdays")
        if decision and owner is None:
            raise ServiceError("required", "「责任人」为必填项（填写了会议决定时）", field="owner")
        decisions = [{"decision": decision, "owner": owner, "limit_workdays": limit}] if decision else []
        return services.meeting_record(by=request.user, project=project, decisions=decisions, **d)

    decided = bool(request.POST.get("mtg-decision", "").strip())
    return _post(
        request,
        run,
        "已登记会议" + ("，会议决定已转为待办事项" if decided else ""),
        redirect("projects:detail", pk=project.pk),
        form=form,
    )


@login_required
@requires(*selectors.PROJECT_READERS)
def minutes_pdf_view(request, pk):
    meeting = Meeting.objects.select_related("project", "convened_by").filter(pk=pk).first()
    if meeting is None:
        raise Http404
    selectors.project_get(user=request.user, pk=meeting.project_id)
    return _download(documents.minutes_pdf(meeting), "application/pdf", f"minutes-{meeting.pk}.pdf")


@login_required
@require_POST
def action_close_view(request, pk):
    action = selectors.action_get(user=request.user, pk=pk)
    form = f.TextForm(request.POST)
    return _post(
        request,
        lambda: services.action_close(by=request.user, action=action, result=form.cleaned_data["text"]),
        "会议决定事项已办结",
        _back(request, action.project_id),
        form=form,
        label="落实情况",
    )


@login_required
@requires(Cap.PROJECT_MANAGE, Cap.PROJECT_LIAISON)
@require_POST
def blocker_raise_view(request, pk):
    item = selectors.item_get(user=request.user, pk=pk)
    form = f.TextForm(request.POST)
    return _post(
        request,
        lambda: services.blocker_raise(by=request.user, item=item, text=form.cleaned_data["text"]),
        "已提出堵点",
        _back(request, item.project_id),
        form=form,
        label="堵点描述",
    )


@login_required
@requires(Cap.PROJECT_MANAGE, Cap.PROJECT_LIAISON)
@require_POST
def blocker_resolve_view(request, pk):
    blocker = selectors.blocker_get(user=request.user, pk=pk)
    form = f.TextForm(request.POST)
    return _post(
        request,
        lambda: services.blocker_resolve(
            by=request.user, blocker=blocker, resolution=form.cleaned_data["text"]
        ),
        "堵点已解决",
        redirect("projects:detail", pk=blocker.project_id),
        form=form,
        label="解决情况",
    )


@login_required
@requires(Cap.PROJECT_LIAISON)
def queue_view(request):
    queue = selectors.department_queue(user=request.user)
    on = services.today()
    requests_ = [(r, services.request_current_level(r, on)) for r in queue["requests"][:200]]
    return render(
        request,
        "projects/queue.html",
        {
            "items": queue["items"][:200],
            "requests": requests_,
            "actions": queue["actions"],
            "ladder": rules.REQUEST_LADDER,
            "today": on,
            "department": request.user.department,
        },
    )


def _refresh(request) -> int:
    """Seconds between the wall's updates: ?refresh=N (2–600) for a hall screen, else 30."""
    value = parse_id(request.GET.get("refresh", ""))
    return min(max(value, 2), 600) if value else 30


def _wall_context(request) -> dict:
    html = selectors.wall_html(
        user=request.user,
        render=lambda wall: render_to_string("projects/_wall_board.html", {"wall": wall}),
    )
    # Our own template's output (kept in the cache), not user input.
    return {"wall_html": mark_safe(html), "refresh": _refresh(request)}


@login_required
@requires(*selectors.PROJECT_READERS)
def wall_view(request):
    return render(request, "projects/wall.html", _wall_context(request))


@login_required
@requires(*selectors.PROJECT_READERS)
def wall_panel_view(request):
    # Without the request's context processors (the navigation's two dozen URL reversals and
    # capability checks): the panel, polled by every open wall, uses none of them.
    return HttpResponse(render_to_string("projects/_wall_panel.html", _wall_context(request)))


@login_required
@requires(*selectors.PROJECT_READERS)
def report_view(request, fmt, pk=None):
    on = services.today()
    if pk is not None:
        projects = [selectors.project_get(user=request.user, pk=pk)]
        name = f"weekly-{projects[0].number}"
    else:
        projects = list(selectors.project_list(user=request.user).filter(status="active")[:500])
        name = "weekly-all"
    if fmt == "xlsx":
        return _download(documents.report_xlsx(projects, on), XLSX, f"{name}-{on:%Y%m%d}.xlsx")
    return _download(documents.report_pdf(projects, on), "application/pdf", f"{name}-{on:%Y%m%d}.pdf")


def track_view(request, token):
    """The investor's progress page (public, token link): stages and steps in citizen words only."""
    project = selectors.project_by_token(token)
    if project is None:
        raise Http404("项目不存在")
    return render(request, "projects/track.html", {"project": project, **selectors.public_progress(project)})
